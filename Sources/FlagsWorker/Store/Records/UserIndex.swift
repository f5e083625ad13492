import EdgeJSON

/// `email:<lowercased email>` in `TOKENS`: `{user_id}`. Registration writes it last, so the account
/// exists once it does.
struct UserIndex: JSONRecord, Equatable {
    var userID: String

    init(userID: String) {
        self.userID = userID
    }

    init?(json: [String: JSONValue]) {
        guard let userID = json["user_id"]?.stringValue else { return nil }
        self.init(userID: userID)
    }

    var json: [String: JSONValue] { ["user_id": .string(userID)] }
}
