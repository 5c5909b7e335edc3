import FluentKit
import Foundation
import PatrolCore

/// A platform account. Testers are bound to a team, liaisons to a unit.
public final class User: Model, @unchecked Sendable {
    public static let schema = "users"

    @ID(key: .id) public var id: UUID?
    @Field(key: "username") public var username: String
    @Field(key: "display_name") public var displayName: String
    /// Bcrypt hash; the password itself is never stored or logged.
    @Field(key: "password_hash") public var passwordHash: String
    @Field(key: "role") public var role: Role
    @OptionalParent(key: "unit_id") public var unit: Unit?
    @OptionalParent(key: "team_id") public var team: Team?
    @OptionalField(key: "phone") public var phone: String?
    /// Set when the platform generated the password: the user must choose their own at first login.
    @Field(key: "must_change_password") public var mustChangePassword: Bool
    @Field(key: "disabled") public var disabled: Bool
    @Field(key: "failed_logins") public var failedLogins: Int
    @OptionalField(key: "locked_until") public var lockedUntil: Date?
    @OptionalField(key: "last_login_at") public var lastLoginAt: Date?
    @OptionalField(key: "password_changed_at") public var passwordChangedAt: Date?
    /// SHA-256 of the tester's gateway token (the gateway issue issues it).
    @OptionalField(key: "gateway_token_hash") public var gatewayTokenHash: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}

    public init(username: String, displayName: String, passwordHash: String, role: Role,
                unitID: UUID? = nil, teamID: UUID? = nil, mustChangePassword: Bool) {
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.role = role
        self.$unit.id = unitID
        self.$team.id = teamID
        self.mustChangePassword = mustChangePassword
        self.disabled = false
        self.failedLogins = 0
    }

    public var actor: Actor? {
        guard let id else { return nil }
        return Actor(userID: id, username: username, role: role, unitID: $unit.id, teamID: $team.id)
    }
}
