import PatrolCore
import PatrolStore
import Vapor

struct CurrentUserKey: StorageKey { typealias Value = User }
struct CurrentSessionKey: StorageKey { typealias Value = UserSession }
struct SessionExpiredKey: StorageKey { typealias Value = Bool }
struct CSRFTokenKey: StorageKey { typealias Value = String }

extension Request {
    var currentUser: User? { storage[CurrentUserKey.self] }
    var currentSession: UserSession? { storage[CurrentSessionKey.self] }
    var actor: Actor? { currentUser?.actor }
    var isAPI: Bool { url.path.hasPrefix("/api/") }

    /// The address recorded in the audit log.
    var clientAddress: String {
        remoteAddress?.ipAddress ?? "unknown"
    }

    var auditContext: AuditContext {
        AuditContext(actorID: currentUser?.id, actor: currentUser?.username ?? "anonymous", clientAddress: clientAddress)
    }

    /// Asks the one access policy; throws the matching error when it says no.
    func authorize(_ action: Action) throws {
        try PatrolError.enforce(AccessPolicy.decide(actor, action))
    }

    func requireActor() throws -> Actor {
        guard let actor else { throw PatrolError.unauthenticated }
        return actor
    }

    func requireUser() throws -> User {
        guard let user = currentUser else { throw PatrolError.unauthenticated }
        return user
    }
}

extension Request {
    /// The finding lifecycle acting as this request's user.
    func lifecycle() throws -> FindingLifecycle {
        FindingLifecycle(db: db, actor: try requireActor(), audit: auditContext)
    }
}
