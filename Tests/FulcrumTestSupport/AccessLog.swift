import FulcrumNet
import Foundation

extension FulcrumProcess {
    /// The access-log records written so far (`--log-format json`), as dictionaries.
    public var accessRecords: [[String: Any]] {
        self.stdout.split(separator: "\n").compactMap { line in
            guard line.contains("\"logger\":\"fulcrum.access\"") else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
    }

    /// Access-log records whose `end` is `end` (e.g. `rejected:acl`).
    public func accessRecords(ending end: String) -> [[String: Any]] {
        self.accessRecords.filter { $0["end"] as? String == end }
    }
}

/// A backend that records the first bytes of every connection (up to `count` bytes or until the client stops
/// sending for 300 ms), then echoes everything after them.
public final class RecordingServer: @unchecked Sendable {
    // `received` is guarded by `lock`.
    private let lock = NSLock()
    private var received: [[UInt8]] = []
    public let server: LoopbackServer

    public init(address: IPAddress = .v4(0x7F00_0001), firstBytes count: Int) throws {
        let box = RecordingBox()
        self.server = try LoopbackServer(address: address) { socket in
            socket.setTimeout(.milliseconds(300))
            var bytes: [UInt8] = []
            while bytes.count < count, let chunk = try? socket.receive(maximum: count - bytes.count), !chunk.isEmpty {
                bytes += chunk
            }
            box.append(bytes)
            socket.setTimeout(.seconds(30))
            // Echo the client's own bytes (without the PROXY header in front of them), then everything after.
            try? socket.send(RecordingServer.payload(after: bytes))
            LoopbackServer.echo(socket)
        }
        box.owner = self
    }

    /// `bytes` without a leading PROXY v1 or v2 header.
    public static func payload(after bytes: [UInt8]) -> [UInt8] {
        let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
        if bytes.count >= 16, Array(bytes[0..<12]) == v2Signature {
            let length = 16 + Int(bytes[14]) << 8 + Int(bytes[15])
            return Array(bytes.dropFirst(min(length, bytes.count)))
        }
        if bytes.starts(with: Array("PROXY ".utf8)), let end = bytes.firstIndex(of: 0x0A) {
            return Array(bytes[(end + 1)...])
        }
        return bytes
    }

    fileprivate func append(_ bytes: [UInt8]) { self.lock.withLock { self.received.append(bytes) } }

    /// The first bytes of each connection, in order of arrival.
    public var connections: [[UInt8]] { self.lock.withLock { self.received } }
    public var endpoint: IPEndpoint { self.server.endpoint }
}

private final class RecordingBox: @unchecked Sendable {
    weak var owner: RecordingServer?
    func append(_ bytes: [UInt8]) { self.owner?.append(bytes) }
}
