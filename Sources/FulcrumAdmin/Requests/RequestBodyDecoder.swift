import Foundation

/// A JSON request body of the admin API.
protocol AdminRequestBody: Decodable {
    /// Every field the body may have, in the order error messages list them.
    static var fields: [String] { get }
}

/// Decodes admin request bodies with Foundation's `JSONDecoder`, which keeps JSON types strict by itself (`true` or
/// `1.5` is not an `Int`), and adds what it does not do: an unknown field is refused (a typo such as `wieght` must
/// not be ignored), and every error says which field, what it must be and what was found (`BodyFields`).
enum RequestBodyDecoder {
    static func decode<Body: AdminRequestBody>(
        _ type: Body.Type, from bytes: [UInt8]
    ) throws(AdminRequestError) -> Body {
        guard !bytes.isEmpty else {
            throw AdminRequestError("expected a JSON object body with \(Self.list(Body.fields))")
        }
        let data = Data(bytes)
        do {
            return try JSONDecoder().decode(KnownFieldsOnly<Body>.self, from: data).body
        } catch {
            // JSONDecoder checks a string's escapes and a number's digits only when the field is read, so a field
            // "of the wrong type" may really be text that is not JSON; and for a document that is not JSON it says
            // only "The given data was not valid JSON.". JSONSerialization tells the two apart and says what is wrong
            // and where ("Invalid value around character 8."). This second parse happens only for refused bodies.
            if let syntaxError = Self.syntaxError(in: data) {
                throw AdminRequestError("malformed JSON: \(syntaxError)")
            }
            // Every field is read through `BodyFields`, which throws `AdminRequestError`s that name the field.
            throw error as? AdminRequestError ?? AdminRequestError("malformed JSON: \(error)")
        }
    }

    /// What makes `data` not JSON, as JSONSerialization describes it; `nil` if it is JSON.
    private static func syntaxError(in data: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        }
    }

    /// `'a', 'b'`.
    static func list(_ names: [String]) -> String {
        names.map { "'\($0)'" }.joined(separator: ", ")
    }
}

/// A body that is a JSON object with no field outside `Body.fields`, then decoded as `Body`.
private struct KnownFieldsOnly<Body: AdminRequestBody>: Decodable {
    let body: Body

    init(from decoder: any Decoder) throws {
        guard let container = try? decoder.container(keyedBy: FieldKey.self) else {
            throw AdminRequestError("expected a JSON object, found \(try JSONKind(from: decoder).description)")
        }
        let unknown = container.allKeys.map(\.stringValue).filter { !Body.fields.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw AdminRequestError(
                "unknown field\(unknown.count == 1 ? "" : "s") \(RequestBodyDecoder.list(unknown)) "
                    + "(expected \(RequestBodyDecoder.list(Body.fields)))")
        }
        self.body = try Body(from: decoder)
    }
}

/// Any field name.
struct FieldKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { self.stringValue = name }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
