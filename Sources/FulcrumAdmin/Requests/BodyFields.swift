/// The fields of a JSON object body, read so that an error names the field, what it must be and what it is:
/// `'weight' must be an integer, found a boolean`.
struct BodyFields {
    private let container: KeyedDecodingContainer<FieldKey>

    init(_ decoder: any Decoder) throws {
        self.container = try decoder.container(keyedBy: FieldKey.self)
    }

    /// The field's value, or `nil` when the body does not have it. Present, it must be a `T`: `null` is refused too.
    /// - Parameter expected: what a `T` is, for the error message ("an integer").
    func optional<T: Decodable>(_ field: String, _ type: T.Type, expected: String) throws(AdminRequestError) -> T? {
        let key = FieldKey(field)
        guard self.container.contains(key) else { return nil }
        do {
            return try self.container.decode(T.self, forKey: key)
        } catch {
            let found = (try? self.container.decode(JSONKind.self, forKey: key))?.description(
                wanted: T.self is any BinaryInteger.Type ? .integer : .other)
            throw AdminRequestError("'\(field)' must be \(expected), found \(found ?? "something else")")
        }
    }

    /// The field's value; a body without it is refused.
    func required<T: Decodable>(_ field: String, _ type: T.Type, expected: String) throws(AdminRequestError) -> T {
        guard let value = try self.optional(field, type, expected: expected) else {
            throw AdminRequestError("missing field '\(field)'")
        }
        return value
    }
}
