import PatrolCore

extension PatrolError {
    /// Throws the error that answers a refusal of the access policy (401, 403 or 404); returns on allow.
    /// Routes (`Request.authorize`) and services (`FindingLifecycle`) answer refusals alike through this.
    static func enforce(_ decision: AccessDecision) throws {
        switch decision {
        case .allow: return
        case .unauthenticated: throw PatrolError.unauthenticated
        case .forbidden: throw PatrolError.forbidden
        case .notFound: throw PatrolError.notFound
        }
    }
}
