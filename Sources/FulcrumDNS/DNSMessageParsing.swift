import FulcrumNet

extension DNSMessage {
    /// The length of the fixed header (RFC 1035 §4.1.1).
    public static let headerLength = 12

    /// Parses a whole message (a UDP payload, or a TCP message without its length prefix).
    ///
    /// Every section is read: questions whole; A, AAAA, CNAME, SRV and SOA records of class IN decoded and kept;
    /// every other record checked for framing (owner name, RDLENGTH within the message) and skipped without
    /// building anything. The OPT record becomes `edns`. Bytes after the last record are ignored, as most resolvers
    /// do. TTLs with the top bit set are read as 0 (RFC 2181 §8).
    ///
    /// Work is linear in the message's length: each name costs at most 127 pointer jumps and 255 bytes, nothing is
    /// reserved from the counts before the bytes are seen, and a malformed message throws at the first fault.
    public init(parsing message: [UInt8]) throws(DNSMessageError) {
        guard message.count >= DNSMessage.headerLength else { throw .headerTooShort }
        var reader = DNSWireReader(message)
        let id = try reader.readUInt16()
        let flags = try reader.readUInt16()
        let questionCount = try reader.readUInt16()
        let answerCount = try reader.readUInt16()
        let authorityCount = try reader.readUInt16()
        let additionalCount = try reader.readUInt16()

        var questions: [DNSQuestion] = []
        for _ in 0..<questionCount {
            let name = try reader.readName()
            let type = DNSRecordType(rawValue: try reader.readUInt16())
            let classCode = try reader.readUInt16()
            questions.append(DNSQuestion(name: name, type: type, classCode: classCode))
        }
        var edns: EDNSParameters? = nil
        let answers = try DNSMessage.readRecords(answerCount, from: &reader, inAdditional: false, edns: &edns)
        let authority = try DNSMessage.readRecords(authorityCount, from: &reader, inAdditional: false, edns: &edns)
        let additional = try DNSMessage.readRecords(additionalCount, from: &reader, inAdditional: true, edns: &edns)
        self.init(
            header: DNSHeader(id: id, flags: flags),
            questions: questions,
            answers: answers,
            authority: authority,
            additional: additional,
            edns: edns
        )
    }

    /// Reads `count` records, keeping those `readRecord` decodes.
    private static func readRecords(
        _ count: UInt16,
        from reader: inout DNSWireReader,
        inAdditional: Bool,
        edns: inout EDNSParameters?
    ) throws(DNSMessageError) -> [DNSResourceRecord] {
        var records: [DNSResourceRecord] = []
        for _ in 0..<count {
            if let record = try DNSMessage.readRecord(from: &reader, inAdditional: inAdditional, edns: &edns) {
                records.append(record)
            }
        }
        return records
    }

    /// Reads one record and leaves `reader` just past its RDATA. Returns the record when it is one this module
    /// keeps; an OPT record in the additional section goes to `edns` instead (elsewhere it is skipped as an unknown
    /// type, RFC 6891 §6.1.1 allows it only there).
    private static func readRecord(
        from reader: inout DNSWireReader,
        inAdditional: Bool,
        edns: inout EDNSParameters?
    ) throws(DNSMessageError) -> DNSResourceRecord? {
        // The owner name is checked now and built only for a record that is kept.
        let nameOffset = reader.offset
        try reader.skipName()
        let type = DNSRecordType(rawValue: try reader.readUInt16())
        let classField = try reader.readUInt16()
        let ttlField = try reader.readUInt32()
        let dataLength = Int(try reader.readUInt16())
        guard reader.remaining >= dataLength else { throw .recordDataBeyondEnd }
        let dataEnd = reader.offset + dataLength

        if type == .opt, inAdditional {
            guard reader.message[nameOffset] == 0, edns == nil else { throw .malformedOPT }
            edns = EDNSParameters(classField: classField, ttlField: ttlField)
            reader.offset = dataEnd
            return nil
        }
        guard classField == DNSQuestion.internetClass else {
            reader.offset = dataEnd
            return nil
        }
        let data: DNSRecordData
        switch type {
        case .a:
            guard dataLength == 4 else { throw .malformedRecordData }
            data = .a(.v4(try reader.readUInt32()))
        case .aaaa:
            guard dataLength == 16 else { throw .malformedRecordData }
            let high = UInt64(try reader.readUInt32()) << 32 | UInt64(try reader.readUInt32())
            let low = UInt64(try reader.readUInt32()) << 32 | UInt64(try reader.readUInt32())
            data = .aaaa(.v6(high: high, low: low))
        case .cname:
            data = .cname(try DNSMessage.readName(from: &reader, endingAt: dataEnd))
        case .srv:
            // Priority, weight and port, then a name of at least one byte.
            guard dataLength >= 7 else { throw .malformedRecordData }
            let priority = try reader.readUInt16()
            let weight = try reader.readUInt16()
            let port = try reader.readUInt16()
            let target = try DNSMessage.readName(from: &reader, endingAt: dataEnd)
            data = .srv(DNSServiceLocation(priority: priority, weight: weight, port: port, target: target))
        case .soa:
            let primaryServer = try reader.readName()
            let responsibleMailbox = try reader.readName()
            guard dataEnd - reader.offset == 20 else { throw .malformedRecordData }
            data = .soa(
                DNSStartOfAuthority(
                    primaryServer: primaryServer,
                    responsibleMailbox: responsibleMailbox,
                    serial: try reader.readUInt32(),
                    refresh: try reader.readUInt32(),
                    retry: try reader.readUInt32(),
                    expire: try reader.readUInt32(),
                    minimum: try reader.readUInt32()
                )
            )
        default:
            reader.offset = dataEnd
            return nil
        }
        var ownerReader = DNSWireReader(reader.message, offset: nameOffset)
        let name = try ownerReader.readName()
        // RFC 2181 §8: a TTL with the top bit set is to be treated as zero.
        let ttl = ttlField > UInt32(Int32.max) ? 0 : ttlField
        return DNSResourceRecord(name: name, ttl: ttl, data: data)
    }

    /// A name that fills the rest of an RDATA exactly.
    private static func readName(
        from reader: inout DNSWireReader,
        endingAt dataEnd: Int
    ) throws(DNSMessageError) -> DNSName {
        let name = try reader.readName()
        guard reader.offset == dataEnd else { throw .malformedRecordData }
        return name
    }
}
