import FulcrumNet
import FulcrumProxyProtocol

/// One libFuzzer input: parse it whole and in pieces, and check what must always hold. Any violation traps, which
/// libFuzzer reports as a crash with the input saved.
///
/// Invariants:
/// - Whole, byte by byte and in input-chosen pieces, the verdict (and header length) is the same.
/// - `consumed` is within the piece; a v1 header is at most 107 bytes, a v2 header at most 16 + the length bound.
/// - `needMore` only for inputs shorter than the longest possible header.
/// - A decoded header re-encodes to bytes that decode to the same header (addresses normalized as the encoder
///   documents: both IPv4 when both are IPv4 or IPv4-mapped), and the re-encoded bytes are all consumed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProxyHeaderParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let whole = parse(input, pieceSizes: nil)
    let byteByByte = parse(input, pieceSizes: [1])
    precondition(whole == byteByByte, "whole \(whole) != byte by byte \(byteByByte)")
    if let first = input.first {
        // Piece sizes drawn from the input itself, so that libFuzzer can steer the cuts.
        let sizes = [Int(first % 7) + 1, Int(first / 7 % 5) + 2, Int(first / 35 % 3) + 1]
        let cut = parse(input, pieceSizes: sizes)
        precondition(whole == cut, "whole \(whole) != pieces \(cut) (sizes \(sizes))")
    }
    switch whole {
    case .needMore:
        precondition(size < 16 + ProxyHeaderParser.defaultMaximumV2Length, "needMore after \(size) bytes")
    case .invalid:
        break
    case .complete(let header, let length):
        precondition(length >= 1 && length <= size)
        switch header.version {
        case .v1: precondition(length <= 107, "v1 header of \(length) bytes")
        case .v2: precondition(length >= 16 && length <= 16 + ProxyHeaderParser.defaultMaximumV2Length)
        }
        precondition(header.source == nil && header.destination == nil || header.carriesAddresses)
        let encoded = header.encoded()
        var parser = ProxyHeaderParser()
        let again = encoded.withUnsafeBytes { parser.feed($0) }
        precondition(
            again == .complete(normalized(header), consumed: encoded.count),
            "\(header) re-encoded as \(encoded) parsed as \(again)"
        )
    }
    return 0
}

/// The verdict for the whole input, with the header length counted from the start of the input.
private enum FuzzVerdict: Equatable {
    case needMore
    case complete(ProxyHeader, length: Int)
    case invalid(ProxyHeaderError)
}

/// Feeds `input` in pieces of the given sizes, cycling (`nil`: one piece), up to the first verdict.
private func parse(_ input: UnsafeRawBufferPointer, pieceSizes: [Int]?) -> FuzzVerdict {
    var parser = ProxyHeaderParser()
    var start = 0
    var sizeIndex = 0
    repeat {
        let end = pieceSizes.map { min(input.count, start + $0[sizeIndex % $0.count]) } ?? input.count
        sizeIndex += 1
        switch parser.feed(UnsafeRawBufferPointer(rebasing: input[start..<end])) {
        case .needMore:
            break
        case .complete(let header, let consumed):
            precondition(consumed >= 1 && consumed <= end - start, "consumed \(consumed) of a \(end - start) piece")
            precondition(parser.headerLength == start + consumed)
            return .complete(header, length: start + consumed)
        case .invalid(let error):
            return .invalid(error)
        }
        start = end
    } while start < input.count
    return .needMore
}

/// What the parser must read back from `header.encoded()`.
private func normalized(_ header: ProxyHeader) -> ProxyHeader {
    guard header.carriesAddresses, let source = header.source, let destination = header.destination else {
        return header
    }
    var sourceAddress = source.address.unmapped
    var destinationAddress = destination.address.unmapped
    if !sourceAddress.isIPv4 || !destinationAddress.isIPv4 {
        sourceAddress = mapped(sourceAddress)
        destinationAddress = mapped(destinationAddress)
    }
    return .proxy(
        header.version,
        transport: header.transport,
        source: IPEndpoint(address: sourceAddress, port: source.port),
        destination: IPEndpoint(address: destinationAddress, port: destination.port)
    )
}

private func mapped(_ address: IPAddress) -> IPAddress {
    if case .v4(let value) = address { return .v6(high: 0, low: 0xFFFF_0000_0000 | UInt64(value)) }
    return address
}
