import Vapor

/// A new account, as the API body, the admin's form, the command line and the demo set-up give
/// it; `Accounts.create` checks it field by field.
public struct UserDraft: Content {
    public var username: String
    public var displayName: String?
    /// `admin`, `reviewer`, `tester`, `liaison` or `observer`.
    public var role: String
    /// The liaison's unit code (ignored for other roles).
    public var unit: String?
    /// The tester's team code (ignored for other roles).
    public var team: String?
    public var phone: String?
    /// nil: one is generated, shown once, and must be changed at first sign-in.
    public var password: String?

    public init(username: String, displayName: String? = nil, role: String, unit: String? = nil, team: String? = nil,
                phone: String? = nil, password: String? = nil) {
        self.username = username
        self.displayName = displayName
        self.role = role
        self.unit = unit
        self.team = team
        self.phone = phone
        self.password = password
    }
}
