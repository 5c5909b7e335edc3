import Foundation
import PatrolStore

/// A user as the API shows it: never the password hash, never the gateway token.
struct UserDTO: Content {
    var id: UUID
    var username: String
    var displayName: String
    var role: String
    var unit: String?
    var team: String?
    var phone: String?
    var disabled: Bool
    var mustChangePassword: Bool
    var lockedUntil: Date?
    var lastLoginAt: Date?

    init(_ user: User, unitCode: String?, teamCode: String?) {
        id = user.id ?? UUID()
        username = user.username
        displayName = user.displayName
        role = user.role.rawValue
        unit = unitCode
        team = teamCode
        phone = user.phone
        disabled = user.disabled
        mustChangePassword = user.mustChangePassword
        lockedUntil = user.lockedUntil
        lastLoginAt = user.lastLoginAt
    }
}

import Vapor
