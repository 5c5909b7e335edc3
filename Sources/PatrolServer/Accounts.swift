import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// Accounts and sign-in: creation with the role's binding, Bcrypt hashing off the event loop,
/// the password policy, lockout, and the audit entry for every attempt.
public struct Accounts {
    public let db: any Database
    public let application: Application
    var passwordPolicy = PasswordPolicy()
    var throttle = LoginThrottle()

    public init(db: any Database, application: Application) {
        self.db = db
        self.application = application
    }

    private var cost: Int { application.patrolOptions.bcryptCost }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await application.threadPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, _ hash: String) async throws -> Bool {
        try await application.threadPool.runIfActive { try Bcrypt.verify(password, created: hash) }
    }

    func checkPolicy(_ password: String, username: String) throws {
        switch passwordPolicy.check(password, username: username) {
        case nil: return
        case .tooShort(let n): throw PatrolError.invalid("error.password.tooShort", ["n": "\(n)"])
        case .tooFewClasses(let n): throw PatrolError.invalid("error.password.classes", ["n": "\(n)"])
        case .containsUsername: throw PatrolError.invalid("error.password.username")
        }
    }

    static func validUsername(_ name: String) -> Bool {
        (3...32).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// Creates an account; returns the generated password when none was given (shown once).
    public func create(_ new: UserDraft, context: AuditContext) async throws -> (user: User, generatedPassword: String?) {
        guard let role = Role(rawValue: new.role) else { throw PatrolError.invalid("error.user.role", ["role": new.role]) }
        // A unit binds only a liaison, a team only a tester.
        let unitCode = role.needsUnit ? new.unit : nil, teamCode = role.needsTeam ? new.team : nil
        let username = new.username.trimmingCharacters(in: .whitespaces).lowercased()
        guard Self.validUsername(username) else { throw PatrolError.invalid("error.username.invalid") }
        if try await User.query(on: db).filter(\.$username == username).first() != nil {
            throw PatrolError.conflict("error.username.taken", ["username": username])
        }
        let (unitID, teamID) = try await binding(role: role, unitCode: unitCode, teamCode: teamCode)
        var phone: String?
        if let raw = new.phone, !raw.isEmpty {
            guard let p = Phone.normalizedMainlandMobile(raw) else { throw PatrolError.invalid("error.phone.invalid", ["phone": raw]) }
            phone = p
        }
        let generated = new.password == nil ? PasswordPolicy.generate() : nil
        let password = new.password ?? generated!
        try checkPolicy(password, username: username)
        let user = User(username: username, displayName: new.displayName.flatMap { $0.isEmpty ? nil : $0 } ?? username,
                        passwordHash: try await hash(password), role: role, unitID: unitID, teamID: teamID,
                        mustChangePassword: generated != nil)
        user.phone = phone
        try await db.transaction { db in
            try await user.create(on: db)
            try await AuditLog.append(on: db, context, action: "user.create", objectType: "user", objectID: username,
                                      details: ["role": role.rawValue, "unit": unitCode ?? "", "team": teamCode ?? ""])
        }
        return (user, generated)
    }

    /// The unit or team a role must be bound to, and nothing for the others.
    func binding(role: Role, unitCode: String?, teamCode: String?) async throws -> (UUID?, UUID?) {
        var unitID: UUID?, teamID: UUID?
        if role.needsUnit {
            guard let code = unitCode?.nonEmpty else { throw PatrolError.invalid("error.user.unitRequired") }
            guard let unit = try await Unit.query(on: db).filter(\.$code == code).first() else {
                throw PatrolError.invalid("error.unit.unknown", ["code": code])
            }
            unitID = unit.id
        }
        if role.needsTeam {
            guard let code = teamCode?.nonEmpty else { throw PatrolError.invalid("error.user.teamRequired") }
            guard let team = try await Team.query(on: db).filter(\.$code == code).first() else {
                throw PatrolError.invalid("error.team.unknown", ["code": code])
            }
            teamID = team.id
        }
        return (unitID, teamID)
    }

    /// Why a sign-in was refused. A wrong password, an unknown username and a locked account are
    /// one answer (`refused`), so the answer tells no one which usernames exist or which are locked;
    /// only someone who gave the right password to an unlocked account learns it is disabled.
    enum LoginFailure: Error { case refused, disabled }

    /// Checks a password and opens a session. Every attempt is audited; the password never is.
    /// Every attempt pays one Bcrypt verify (an unknown username against `dummyHash`, a locked
    /// account against its own hash), so time does not tell them apart either.
    func login(username rawName: String, password: String, kind: UserSession.Kind, clientAddress: String,
               now: Date = Date()) async throws -> Result<(token: String, user: User), LoginFailure> {
        let username = rawName.trimmingCharacters(in: .whitespaces).lowercased()
        let context = AuditContext(actorID: nil, actor: username.isEmpty ? "anonymous" : username, clientAddress: clientAddress)
        let user = try await User.query(on: db).filter(\.$username == username).first()
        let matches = (try? await verify(password, user?.passwordHash ?? Self.dummyHash(cost: cost))) ?? false
        let throttle = self.throttle
        @Sendable func refuse(_ reason: String, on db: any Database) async throws -> Result<(token: String, user: User), LoginFailure> {
            try await AuditLog.append(on: db, context, action: "login.failure", objectType: "user", objectID: username,
                                      details: ["reason": reason, "via": kind.rawValue])
            return .failure(.refused)
        }
        guard let user, let id = user.id else { return try await refuse("unknown user", on: db) }
        if throttle.isLocked(lockedUntil: user.lockedUntil, now: now) { return try await refuse("locked", on: db) }
        guard matches else {
            return try await db.transaction { db in
                guard let counted = try await User.countFailedLogin(id: id, throttle: throttle, now: now, on: db) else {
                    // Locked by parallel attempts since the row was read: not counted again.
                    return try await refuse("locked", on: db)
                }
                try await AuditLog.append(on: db, context, action: "login.failure", objectType: "user", objectID: username,
                                          details: ["reason": "wrong password", "via": kind.rawValue,
                                                    "failures": "\(counted.failures)",
                                                    "locked": counted.lockedUntil == nil ? "no" : "\(Int(throttle.lockDuration / 60))min"])
                return .failure(.refused)
            }
        }
        if user.disabled {
            try await AuditLog.append(on: db, context, action: "login.failure", objectType: "user", objectID: username,
                                      details: ["reason": "disabled", "via": kind.rawValue])
            return .failure(.disabled)
        }
        let token = SessionToken.generate()
        return try await db.transaction { db in
            guard try await User.clearFailedLogins(id: id, now: now, on: db) else { return try await refuse("locked", on: db) }
            user.failedLogins = 0
            user.lockedUntil = nil
            user.lastLoginAt = now
            try await UserSession(tokenHash: SessionToken.digest(token), userID: id, kind: kind,
                                  clientAddress: clientAddress, now: now).create(on: db)
            try await AuditLog.append(on: db, AuditContext(actorID: id, actor: username, clientAddress: clientAddress),
                                      action: "login.success", objectType: "user", objectID: username, details: ["via": kind.rawValue])
            return .success((token, user))
        }
    }

    func logout(session: UserSession, user: User, clientAddress: String) async throws {
        try await db.transaction { db in
            try await session.delete(on: db)
            try await AuditLog.append(on: db, AuditContext(actorID: user.id, actor: user.username, clientAddress: clientAddress),
                                      action: "logout", objectType: "user", objectID: user.username)
        }
    }

    /// The user's own change: needs the current password; ends their other sessions.
    func changePassword(user: User, current: String, new: String, keepSession: UserSession?, context: AuditContext) async throws {
        guard try await verify(current, user.passwordHash) else { throw PatrolError.invalid("error.password.current") }
        guard current != new else { throw PatrolError.invalid("error.password.same") }
        try checkPolicy(new, username: user.username)
        try await setPassword(user, to: new, mustChange: false, keepSession: keepSession, context: context, action: "user.password.change")
    }

    /// An admin's reset: a generated password the user must replace at next login.
    public func resetPassword(user: User, context: AuditContext) async throws -> String {
        let password = PasswordPolicy.generate()
        try await setPassword(user, to: password, mustChange: true, keepSession: nil, context: context, action: "user.password.reset")
        return password
    }

    /// Sets a password chosen by an operator at the command line (`user passwd`).
    public func setPassword(user: User, to password: String, context: AuditContext) async throws {
        try checkPolicy(password, username: user.username)
        try await setPassword(user, to: password, mustChange: false, keepSession: nil, context: context, action: "user.password.set")
    }

    /// Every way of setting a password ends the user's other sessions and revokes their gateway
    /// token: whoever held the old password may have read the token too (it is shown on the
    /// gateway page). The tester issues a new one there; the gateway drops the old one at its next
    /// refresh, within a second.
    private func setPassword(_ user: User, to password: String, mustChange: Bool, keepSession: UserSession?,
                             context: AuditContext, action: String) async throws {
        user.passwordHash = try await hash(password)
        user.mustChangePassword = mustChange
        user.passwordChangedAt = Date()
        user.failedLogins = 0
        user.lockedUntil = nil
        let hadGatewayToken = user.gatewayTokenHash != nil
        user.gatewayTokenHash = nil
        try await db.transaction { db in
            try await user.save(on: db)
            var others = UserSession.query(on: db).filter(\.$user.$id == (try user.requireID()))
            if let keep = keepSession?.id { others = others.filter(\.$id != keep) }
            try await others.delete()
            try await AuditLog.append(on: db, context, action: action, objectType: "user", objectID: user.username,
                                      details: hadGatewayToken ? ["gatewayToken": "revoked"] : [:])
        }
    }

    public func setDisabled(_ user: User, _ disabled: Bool, context: AuditContext) async throws {
        guard user.disabled != disabled else { return }
        user.disabled = disabled
        try await db.transaction { db in
            try await user.save(on: db)
            if disabled { try await UserSession.query(on: db).filter(\.$user.$id == user.requireID()).delete() }
            try await AuditLog.append(on: db, context, action: disabled ? "user.disable" : "user.enable",
                                      objectType: "user", objectID: user.username)
        }
    }

    /// A well-formed Bcrypt hash at `cost` that no password matches (its checksum was never
    /// computed from one), verified for unknown usernames so they cost what a real account costs.
    /// Built, not hashed: hashing would cost a Bcrypt run at start or on the first unknown name.
    static func dummyHash(cost: Int) -> String {
        "$2b$" + (cost < 10 ? "0\(cost)" : "\(cost)") + "$" + "Pu9zJ8eHtWxQ3nLmB2kR4e" + "Ka7hY1vX5cD9fG3jL6nP0sT2wZ4bE8q"
    }
}

extension String {
    var nonEmpty: String? {
        let s = trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? nil : s
    }
}
