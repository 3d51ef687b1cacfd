import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One etcd member's JSON gateway (`/v3/...`, grpc-gateway in front of the v3 gRPC API) spoken with
/// async-http-client: the calls the source makes, each bounded in time, each failing with a phrase that says what
/// happened.
struct EtcdGateway: Sendable {
    /// The client URL as configured (`http://127.0.0.1:2379`).
    let endpoint: String
    private let client: HTTPClient
    private let timing: EtcdTiming

    /// A range answer larger than this is refused: 64 MiB holds tens of thousands of backends.
    static let maximumRangeAnswer = 64 << 20

    init(endpoint: String, client: HTTPClient, timing: EtcdTiming) {
        self.endpoint = endpoint
        self.client = client
        self.timing = timing
    }

    /// Every key and value in `range`, with the revision they were read at.
    func range(_ range: EtcdKeyRange) async throws(EtcdGatewayFailure) -> EtcdRangeResponse {
        try await self.call("range", path: "/v3/kv/range", timeout: self.timing.request, body: EtcdRangeRequest(range))
    }

    /// A linearizable count of the keys in `range`: it needs the raft leader's read index, so it fails when the
    /// member is stopped, unreachable, or cut off from its cluster's quorum, which are exactly the cases where its
    /// watch goes quiet without ending. (`/v3/maintenance/status` is answered from the member's local state and
    /// would still succeed on a member that lost its quorum.) `count_only` keeps the answer a few bytes long.
    func checkLiveness(_ range: EtcdKeyRange) async throws(EtcdGatewayFailure) {
        let _: EtcdRangeResponse = try await self.call(
            "liveness check",
            path: "/v3/kv/range",
            timeout: self.timing.livenessTimeout,
            body: EtcdRangeRequest(range, countOnly: true)
        )
    }

    /// Opens a watch on `range` from `revision`: returns the answer's body, a stream of newline-delimited
    /// `EtcdWatchMessage`s that lasts as long as the watch. Only the answer's head is bounded in time; the caller
    /// checks liveness while it reads, and cancelling the reading task cancels the request.
    func watch(
        _ range: EtcdKeyRange,
        from revision: Int64
    ) async throws(EtcdGatewayFailure) -> HTTPClientResponse.Body {
        let request = self.request(path: "/v3/watch", body: EtcdWatchRequest(range, startRevision: revision))
        let client = self.client
        let timeout = self.timing.request
        do {
            let response = try await withTimeout(timeout) {
                try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            }
            guard response.status == .ok else {
                let answer = try? await withTimeout(timeout) { try await response.body.collect(upTo: 4096) }
                throw EtcdGatewayFailure("watch", Self.statusProblem(response.status, answer))
            }
            return response.body
        } catch {
            throw EtcdGatewayFailure("watch", error, timeout: timeout)
        }
    }

    /// POSTs `body` to `path` and decodes the 200 answer; `operation` names the call in a failure.
    private func call<Answer: Decodable & Sendable>(
        _ operation: String,
        path: String,
        timeout: Duration,
        body: some Encodable
    ) async throws(EtcdGatewayFailure) -> Answer {
        let request = self.request(path: path, body: body)
        let client = self.client
        let answer: ByteBuffer
        do {
            answer = try await withTimeout(timeout) {
                let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
                let answer = try await response.body.collect(upTo: Self.maximumRangeAnswer)
                guard response.status == .ok else {
                    throw EtcdGatewayFailure(operation, Self.statusProblem(response.status, answer))
                }
                return answer
            }
        } catch {
            throw EtcdGatewayFailure(operation, error, timeout: timeout)
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: Data(answer.readableBytesView))
        } catch {
            throw EtcdGatewayFailure(operation, "malformed answer (\(Self.decodingProblem(error)))")
        }
    }

    private func request(path: String, body: some Encodable) -> HTTPClientRequest {
        let base = self.endpoint.hasSuffix("/") ? String(self.endpoint.dropLast()) : self.endpoint
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        do {
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        } catch {
            preconditionFailure("etcd request messages always encode: \(error)")
        }
        return request
    }

    /// "HTTP 503 (etcdserver: no leader)": the status and the gateway's error message, when it sent one.
    private static func statusProblem(_ status: HTTPResponseStatus, _ answer: ByteBuffer?) -> String {
        struct GatewayError: Decodable {
            var message: String?
            var error: String?
        }
        let decoded = answer.flatMap { try? JSONDecoder().decode(GatewayError.self, from: Data($0.readableBytesView)) }
        guard let message = decoded?.message ?? decoded?.error, !message.isEmpty else { return "HTTP \(status.code)" }
        return "HTTP \(status.code) (\(message.prefix(200)))"
    }

    static func decodingProblem(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.keyNotFound(_, let context),
            DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

extension Duration {
    /// Whole nanoseconds, for NIO's `TimeAmount`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
