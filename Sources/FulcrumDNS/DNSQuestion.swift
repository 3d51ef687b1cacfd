/// One entry of a message's question section (RFC 1035 §4.1.2): which records of which name are asked for.
public struct DNSQuestion: Hashable, Sendable, CustomStringConvertible {
    /// QCLASS IN, the Internet: every question Fulcrum asks.
    public static let internetClass: UInt16 = 1

    public var name: DNSName
    public var type: DNSRecordType
    /// QCLASS; `internetClass` unless a response says otherwise.
    public var classCode: UInt16

    public init(name: DNSName, type: DNSRecordType, classCode: UInt16 = DNSQuestion.internetClass) {
        self.name = name
        self.type = type
        self.classCode = classCode
    }

    /// `db.internal AAAA`, as a log line would name the question.
    public var description: String {
        let classText = self.classCode == DNSQuestion.internetClass ? "" : " CLASS\(self.classCode)"
        return "\(self.name) \(self.type)\(classText)"
    }
}
