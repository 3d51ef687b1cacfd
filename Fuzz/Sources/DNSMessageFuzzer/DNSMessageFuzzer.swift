import FulcrumDNS
import FulcrumNet

/// One libFuzzer input, read as a DNS message, as a TCP stream, as a name and as resolv.conf text; checks what must
/// always hold. Any violation traps, which libFuzzer reports as a crash with the input saved. Malformed input must
/// only ever throw a typed error.
///
/// Invariants:
/// - A parsed message encodes to bytes that parse to an equal message, and encoding that gives the same bytes.
/// - Every TTL kept is at most 2^31 - 1 (RFC 2181 §8).
/// - Interpreting the message against its own ID and question never traps; the same with another ID always throws
///   `idMismatch`; an answer's addresses are of the family asked, unique, and an SRV answer has no `.` target.
/// - The first TCP frame lies within the input, and framing its message again gives the same bytes.
/// - A name accepted from text prints as text that gives the same name.
/// - resolv.conf text gives 1...3 nameservers on port 53 and options within their bounds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDNSMessage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let message = try? DNSMessage(parsing: bytes) {
        checkRoundTrip(message)
        checkInterpretation(message)
    }
    checkTCPFraming(bytes)
    checkNameText(bytes)
    checkResolverConfiguration(bytes)
    return 0
}

private func checkRoundTrip(_ message: DNSMessage) {
    let encoded = message.encoded()
    guard let again = try? DNSMessage(parsing: encoded) else { preconditionFailure("\(message) does not re-parse") }
    precondition(again == message, "\(message) re-parsed as \(again)")
    precondition(again.encoded() == encoded, "\(message) encodes differently the second time")
    for record in message.answers + message.authority + message.additional {
        precondition(record.ttl <= UInt32(Int32.max), "TTL \(record.ttl) kept")
        precondition(record.name.wireLength <= DNSName.maximumWireLength)
    }
}

private func checkInterpretation(_ message: DNSMessage) {
    guard let question = message.questions.first else { return }
    var query = DNSQuery(id: message.header.id, name: question.name, type: question.type)
    if let answer = try? DNSAnswer(interpreting: message, to: query) {
        switch answer {
        case .records(let records):
            precondition(!records.addresses.isEmpty || !records.services.isEmpty, "records without records")
            precondition(records.ttl <= UInt32(Int32.max))
            precondition(Set(records.addresses).count == records.addresses.count, "duplicate addresses")
            for address in records.addresses {
                precondition(address.isIPv4 == (question.type == .a), "\(address) for a \(question.type) question")
            }
            precondition(records.services.allSatisfy { $0.target != .root }, "a '.' target kept")
        case .noData(let negativeTTL), .nxdomain(let negativeTTL):
            precondition((negativeTTL ?? 0) <= UInt32(Int32.max))
        case .truncated:
            precondition(message.header.isTruncated)
        }
    }
    query.id &+= 1
    do {
        _ = try DNSAnswer(interpreting: message, to: query)
        preconditionFailure("a response with another ID was accepted")
    } catch {
        precondition(error == .idMismatch, "\(error) instead of idMismatch")
    }
}

private func checkTCPFraming(_ bytes: [UInt8]) {
    guard let range = DNSTCPFraming.firstMessage(in: bytes) else {
        precondition(bytes.count < 2 || Int(bytes[0]) << 8 | Int(bytes[1]) > bytes.count - 2)
        return
    }
    precondition(range.lowerBound == DNSTCPFraming.prefixLength && range.upperBound <= bytes.count)
    precondition(DNSTCPFraming.framed(Array(bytes[range])) == Array(bytes[..<range.upperBound]))
}

private func checkNameText(_ bytes: [UInt8]) {
    let text = String(decoding: bytes.prefix(300), as: UTF8.self)
    guard let name = try? DNSName(text) else { return }
    precondition(name.wireLength <= DNSName.maximumWireLength)
    precondition((try? DNSName(name.description)) == name, "\(name) does not read back from its text")
}

private func checkResolverConfiguration(_ bytes: [UInt8]) {
    let configuration = ResolverConfiguration(resolvConf: String(decoding: bytes, as: UTF8.self))
    precondition((1...ResolverConfiguration.maximumNameservers).contains(configuration.nameservers.count))
    precondition(configuration.nameservers.allSatisfy { $0.port == ResolverConfiguration.nameserverPort })
    precondition((1...30).contains(configuration.timeoutSeconds), "timeout \(configuration.timeoutSeconds)")
    precondition((1...5).contains(configuration.attempts), "attempts \(configuration.attempts)")
    precondition((0...15).contains(configuration.ndots), "ndots \(configuration.ndots)")
}
