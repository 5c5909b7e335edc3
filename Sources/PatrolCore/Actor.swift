import Foundation

/// The signed-in user as the access policy sees it: role plus the unit or team it is bound to.
public struct Actor: Sendable, Equatable {
    public var userID: UUID
    public var username: String
    public var role: Role
    public var unitID: UUID?
    public var teamID: UUID?

    public init(userID: UUID, username: String, role: Role, unitID: UUID? = nil, teamID: UUID? = nil) {
        self.userID = userID
        self.username = username
        self.role = role
        self.unitID = unitID
        self.teamID = teamID
    }
}
