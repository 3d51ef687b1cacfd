import Foundation
import FulcrumNet

/// What the value of one key under the prefix says about its backend, before any host name in it is resolved.
///
/// A value is either the address text (`127.0.0.1:9001`, `[::1]:9002`, `host:port`), read by the rules of a
/// configured backend's `address` (`AddressText`), or a JSON object `{"address": "...", "weight": N}` whose
/// `weight` (0...10000) is optional and defaults to 1. Anything else is refused with a phrase saying why, so that
/// the source can report the key and carry on.
struct EtcdBackendValue: Sendable, Equatable {
    /// The address text as written, trimmed: the backend's identity (`DiscoveredBackend.address`).
    var address: String
    var target: AddressText.Parsed
    var weight: Int

    /// A configured backend's weight range (`DiscoveredBackend.weight`).
    static let weights = 0...10_000

    static func parse(_ bytes: [UInt8]) -> Result<EtcdBackendValue, EtcdValueRejection> {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(EtcdValueRejection("the value is not UTF-8 text"))
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .failure(EtcdValueRejection("the value is empty")) }
        if trimmed.hasPrefix("{") { return self.parseObject(trimmed) }
        return self.parseAddress(trimmed, weight: 1)
    }

    private static func parseAddress(_ text: String, weight: Int) -> Result<EtcdBackendValue, EtcdValueRejection> {
        let address = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch AddressText.parse(address, allowHostname: true) {
        case .success(let target):
            return .success(EtcdBackendValue(address: address, target: target, weight: weight))
        case .failure(let failure):
            return .failure(EtcdValueRejection("'\(address)' is not an address (\(failure.reason))"))
        }
    }

    private static func parseObject(_ text: String) -> Result<EtcdBackendValue, EtcdValueRejection> {
        let object: ValueObject
        do {
            object = try JSONDecoder().decode(ValueObject.self, from: Data(text.utf8))
        } catch let rejection as EtcdValueRejection {
            return .failure(rejection)
        } catch {
            return .failure(EtcdValueRejection("the value is not a JSON object"))
        }
        guard Self.weights.contains(object.weight) else {
            return .failure(EtcdValueRejection("weight \(object.weight) is outside 0...10000"))
        }
        return self.parseAddress(object.address, weight: object.weight)
    }
}

/// Why a value cannot be a backend, as a phrase for the rejected-entry report.
struct EtcdValueRejection: Error, Sendable, Hashable, CustomStringConvertible {
    var reason: String
    init(_ reason: String) { self.reason = reason }
    var description: String { self.reason }
}

/// `{"address": "...", "weight": N}`, strictly: an unknown field is refused rather than ignored, since a misspelt
/// `wieght` that silently became weight 1 would be worse than a skipped key that is reported.
private struct ValueObject: Decodable {
    var address: String
    var weight: Int

    private struct Field: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Field.self)
        for field in container.allKeys.map(\.stringValue).sorted() where field != "address" && field != "weight" {
            throw EtcdValueRejection("unknown field '\(field)' (only 'address' and 'weight')")
        }
        guard container.contains(Field(stringValue: "address")) else {
            throw EtcdValueRejection("the JSON object has no 'address'")
        }
        guard let address = try? container.decode(String.self, forKey: Field(stringValue: "address")) else {
            throw EtcdValueRejection("'address' must be a string")
        }
        self.address = address
        let weightField = Field(stringValue: "weight")
        if container.contains(weightField) {
            guard let weight = try? container.decode(Int.self, forKey: weightField) else {
                throw EtcdValueRejection("'weight' must be a whole number 0...10000")
            }
            self.weight = weight
        } else {
            self.weight = 1
        }
    }
}

extension EtcdBackendValue {
    /// The backend the value names, its host name (if any) resolved with `lookup`; a name that does not resolve
    /// makes the value unusable for now, like any other bad value (the key keeps its last good value).
    func backend(using lookup: HostNameLookup) async -> Result<DiscoveredBackend, EtcdValueRejection> {
        switch self.target {
        case .literal(let endpoint):
            return .success(DiscoveredBackend(address: self.address, endpoint: endpoint, weight: self.weight))
        case .hostname(let host, let port):
            switch await lookup.resolve(host, port) {
            case .success(let endpoint):
                return .success(DiscoveredBackend(address: self.address, endpoint: endpoint, weight: self.weight))
            case .failure(let failure):
                return .failure(EtcdValueRejection("host name '\(host)' does not resolve (\(failure.reason))"))
            }
        }
    }

    /// Parses `bytes` and resolves the result: a key's value as the backend table takes it.
    static func backend(
        from bytes: [UInt8],
        using lookup: HostNameLookup
    ) async -> Result<DiscoveredBackend, EtcdValueRejection> {
        switch self.parse(bytes) {
        case .success(let value): return await value.backend(using: lookup)
        case .failure(let rejection): return .failure(rejection)
        }
    }
}
