import FulcrumNet

extension DNSMessage {
    /// The message on the wire, names uncompressed, the OPT record (when `edns` is set) last in the additional
    /// section. Parsing the result gives back an equal message.
    ///
    /// Queries use it (`DNSQuery.encoded()`); so do the tests and the fuzzer, to check that a parsed message reads
    /// back the same. A message with more than 65,535 entries in a section is a programmer error and traps.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        DNSMessage.append(self.header.id, to: &bytes)
        DNSMessage.append(self.header.flags, to: &bytes)
        DNSMessage.append(UInt16(self.questions.count), to: &bytes)
        DNSMessage.append(UInt16(self.answers.count), to: &bytes)
        DNSMessage.append(UInt16(self.authority.count), to: &bytes)
        DNSMessage.append(UInt16(self.additional.count + (self.edns == nil ? 0 : 1)), to: &bytes)
        for question in self.questions {
            bytes += question.name.wire
            DNSMessage.append(question.type.rawValue, to: &bytes)
            DNSMessage.append(question.classCode, to: &bytes)
        }
        for section in [self.answers, self.authority, self.additional] {
            for record in section { DNSMessage.append(record, to: &bytes) }
        }
        if let edns = self.edns {
            bytes.append(0)  // owned by the root
            DNSMessage.append(DNSRecordType.opt.rawValue, to: &bytes)
            DNSMessage.append(edns.udpPayloadSize, to: &bytes)
            DNSMessage.append(edns.ttlField, to: &bytes)
            DNSMessage.append(UInt16(0), to: &bytes)  // no options
        }
        return bytes
    }

    private static func append(_ record: DNSResourceRecord, to bytes: inout [UInt8]) {
        bytes += record.name.wire
        DNSMessage.append(record.type.rawValue, to: &bytes)
        DNSMessage.append(DNSQuestion.internetClass, to: &bytes)
        DNSMessage.append(record.ttl, to: &bytes)
        let lengthOffset = bytes.count
        DNSMessage.append(UInt16(0), to: &bytes)  // RDLENGTH, filled in below
        switch record.data {
        case .a(let address), .aaaa(let address):
            for index in 0..<address.byteCount { bytes.append(address.byte(at: index)) }
        case .cname(let target):
            bytes += target.wire
        case .srv(let service):
            DNSMessage.append(service.priority, to: &bytes)
            DNSMessage.append(service.weight, to: &bytes)
            DNSMessage.append(service.port, to: &bytes)
            bytes += service.target.wire
        case .soa(let soa):
            bytes += soa.primaryServer.wire
            bytes += soa.responsibleMailbox.wire
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] {
                DNSMessage.append(value, to: &bytes)
            }
        }
        let dataLength = UInt16(bytes.count - lengthOffset - 2)
        bytes[lengthOffset] = UInt8(truncatingIfNeeded: dataLength >> 8)
        bytes[lengthOffset + 1] = UInt8(truncatingIfNeeded: dataLength)
    }

    private static func append(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }
}
