/// What a JSON value is, for error messages ("found a string"). Decoded only after a value failed to decode as what
/// it had to be, so it only needs to tell the six kinds of JSON value apart.
enum JSONKind: Decodable {
    case null
    case boolean
    /// `nil`: a number no `Double` holds (`1e400`).
    case number(Double?)
    case string
    case array
    case object

    init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer() {
            if single.decodeNil() {
                self = .null
                return
            }
            if (try? single.decode(Bool.self)) != nil {
                self = .boolean
                return
            }
            if let number = try? single.decode(Double.self) {
                self = .number(number)
                return
            }
            if (try? single.decode(String.self)) != nil {
                self = .string
                return
            }
        }
        if (try? decoder.unkeyedContainer()) != nil {
            self = .array
        } else if (try? decoder.container(keyedBy: FieldKey.self)) != nil {
            self = .object
        } else {
            // None of the other five kinds: a number even a Double cannot hold. (JSONSerialization refuses `1e400`
            // before a body gets here, see `RequestBodyDecoder`; this stays right should that change.)
            self = .number(nil)
        }
    }

    /// What was wanted instead, which decides how a number is described.
    enum Wanted {
        case integer
        case other
    }

    /// "a string", "a number with a fraction", ...
    func description(wanted: Wanted) -> String {
        switch self {
        case .null: return "null"
        case .boolean: return "a boolean"
        case .number(let value?) where value != value.rounded(.towardZero): return "a number with a fraction"
        // An integer was wanted and a whole number did not decode as one: it is too large.
        case .number where wanted == .integer: return "a number out of range"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    var description: String { self.description(wanted: .other) }
}
