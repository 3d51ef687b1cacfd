import Foundation

// The few messages of etcd's JSON gateway (grpc-gateway over the v3 gRPC API) the source uses, with only the fields
// it reads. The gateway's conventions: bytes fields are base64 text, 64-bit integers are JSON strings, and fields
// at their zero value (an empty `kvs`, `created: false`, revision 0) are left out.

/// `POST /v3/kv/range` request.
struct EtcdRangeRequest: Encodable {
    var key: String
    var rangeEnd: String
    /// Only `count` in the answer: the liveness check's cheap form.
    var countOnly: Bool?

    init(_ range: EtcdKeyRange, countOnly: Bool = false) {
        self.key = Data(range.key).base64EncodedString()
        self.rangeEnd = Data(range.rangeEnd).base64EncodedString()
        self.countOnly = countOnly ? true : nil
    }

    private enum CodingKeys: String, CodingKey {
        case key
        case rangeEnd = "range_end"
        case countOnly = "count_only"
    }
}

/// `POST /v3/watch` request: the first and only message of the request stream.
struct EtcdWatchRequest: Encodable {
    var createRequest: Create

    struct Create: Encodable {
        var key: String
        var rangeEnd: String
        var startRevision: String

        private enum CodingKeys: String, CodingKey {
            case key
            case rangeEnd = "range_end"
            case startRevision = "start_revision"
        }
    }

    init(_ range: EtcdKeyRange, startRevision: Int64) {
        self.createRequest = Create(
            key: Data(range.key).base64EncodedString(),
            rangeEnd: Data(range.rangeEnd).base64EncodedString(),
            startRevision: String(startRevision)
        )
    }

    private enum CodingKeys: String, CodingKey {
        case createRequest = "create_request"
    }
}

/// `ResponseHeader`: the store's revision when the answer was made.
struct EtcdResponseHeader: Decodable {
    var revision: Int64

    private enum CodingKeys: String, CodingKey { case revision }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.revision = try container.decodeEtcdInt64(forKey: .revision)
    }
}

/// `mvccpb.KeyValue`; a deleted key's `kv` in a watch event has no value.
struct EtcdKeyValue: Decodable {
    var key: [UInt8]
    var value: [UInt8]

    private enum CodingKeys: String, CodingKey { case key, value }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.key = try container.decodeEtcdBytes(forKey: .key)
        self.value = try container.decodeEtcdBytes(forKey: .value)
    }
}

/// `POST /v3/kv/range` answer.
struct EtcdRangeResponse: Decodable {
    var header: EtcdResponseHeader
    var kvs: [EtcdKeyValue]
    var count: Int64

    private enum CodingKeys: String, CodingKey { case header, kvs, count }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.header = try container.decode(EtcdResponseHeader.self, forKey: .header)
        self.kvs = try container.decodeIfPresent([EtcdKeyValue].self, forKey: .kvs) ?? []
        self.count = try container.decodeEtcdInt64(forKey: .count)
    }
}

/// One line of a `/v3/watch` answer: `{"result": WatchResponse}`, or `{"error": ...}` when the stream fails.
struct EtcdWatchMessage: Decodable {
    var result: Result?
    var error: StreamError?

    struct Result: Decodable {
        var header: EtcdResponseHeader?
        var created: Bool
        var canceled: Bool
        var compactRevision: Int64
        var cancelReason: String?
        var events: [EtcdWatchEvent]

        private enum CodingKeys: String, CodingKey {
            case header, created, canceled, events
            case compactRevision = "compact_revision"
            case cancelReason = "cancel_reason"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.header = try container.decodeIfPresent(EtcdResponseHeader.self, forKey: .header)
            self.created = try container.decodeIfPresent(Bool.self, forKey: .created) ?? false
            self.canceled = try container.decodeIfPresent(Bool.self, forKey: .canceled) ?? false
            self.compactRevision = try container.decodeEtcdInt64(forKey: .compactRevision)
            self.cancelReason = try container.decodeIfPresent(String.self, forKey: .cancelReason)
            self.events = try container.decodeIfPresent([EtcdWatchEvent].self, forKey: .events) ?? []
        }
    }

    /// grpc-gateway's stream error (`{"error": {"grpc_code": 14, "http_code": 503, "message": "..."}}`).
    struct StreamError: Decodable {
        var message: String?
    }
}

/// `mvccpb.Event`: a put has no `type` (PUT is the enum's zero value).
struct EtcdWatchEvent: Decodable, Sendable {
    enum Kind: Sendable { case put, delete }

    var kind: Kind
    var key: [UInt8]
    var value: [UInt8]

    private enum CodingKeys: String, CodingKey { case type, kv }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decodeIfPresent(String.self, forKey: .type) ?? "PUT"
        switch type {
        case "PUT": self.kind = .put
        case "DELETE": self.kind = .delete
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type,
                in: container,
                debugDescription: "unknown event type '\(type)'"
            )
        }
        let keyValue = try container.decode(EtcdKeyValue.self, forKey: .kv)
        self.key = keyValue.key
        self.value = keyValue.value
    }
}

extension KeyedDecodingContainer {
    /// A 64-bit integer as the gateway writes it: a JSON string of digits (a number is accepted too); absent is 0.
    fileprivate func decodeEtcdInt64(forKey key: Key) throws -> Int64 {
        guard self.contains(key) else { return 0 }
        if let text = try? self.decode(String.self, forKey: key) {
            guard let value = Int64(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key,
                    in: self,
                    debugDescription: "'\(text)' is not a 64-bit integer"
                )
            }
            return value
        }
        return try self.decode(Int64.self, forKey: key)
    }

    /// A bytes field: base64 text; absent is empty.
    fileprivate func decodeEtcdBytes(forKey key: Key) throws -> [UInt8] {
        guard let text = try self.decodeIfPresent(String.self, forKey: key) else { return [] }
        guard let data = Data(base64Encoded: text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not base64")
        }
        return Array(data)
    }
}
