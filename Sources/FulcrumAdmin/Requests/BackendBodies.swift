import FulcrumControl

/// `POST /api/v1/services/{service}/backends`: `{"address": "10.0.0.5:80", "weight": 2}` (weight optional).
struct NewBackendBody: AdminRequestBody {
    static let fields = ["address", "weight"]

    var address: String
    var weight: Int?

    init(from decoder: any Decoder) throws {
        let fields = try BodyFields(decoder)
        self.address = try fields.required("address", String.self, expected: "a string")
        self.weight = try fields.optional("weight", Int.self, expected: "an integer")
    }
}

/// `PATCH /api/v1/services/{service}/backends/{address}`: any of `{"weight": N, "state": "enabled" | "draining"}`.
struct BackendChangeBody: AdminRequestBody {
    static let fields = ["weight", "state"]

    var weight: Int?
    var state: BackendAdminState?

    init(from decoder: any Decoder) throws {
        let fields = try BodyFields(decoder)
        let expectedState = #""enabled" or "draining""#
        self.weight = try fields.optional("weight", Int.self, expected: "an integer")
        if let text = try fields.optional("state", String.self, expected: expectedState) {
            guard let state = BackendAdminState(rawValue: text) else {
                throw AdminRequestError("'state' must be \(expectedState), found '\(text)'")
            }
            self.state = state
        }
    }
}
