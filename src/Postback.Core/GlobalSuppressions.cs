using System.Diagnostics.CodeAnalysis;

[assembly: SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "These enum members name the kind of value they stand for; Decimal and Int64 are the clearest names.", Scope = "type", Target = "~T:Postback.PostbackValueKind")]
[assembly: SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "These enum members name the kind of value they stand for.", Scope = "type", Target = "~T:Postback.MacroValueType")]
[assembly: SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: IPostbackQueue is the name users look for.", Scope = "type", Target = "~T:Postback.IPostbackQueue")]
