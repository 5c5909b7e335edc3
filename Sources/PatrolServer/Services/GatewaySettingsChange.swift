import Fluent
import PatrolGateway
import PatrolStore

/// The organiser changes the gateway's rate limit, body cap or retention: stored for every gateway
/// node (each reads them at its next refresh) with the audit entry, in one transaction.
struct GatewaySettingsChange {
    let db: any Database
    /// Who acted, from where, for the audit log.
    let audit: AuditContext

    /// Stores `values` (`PATROL_GATEWAY_*` keys), checked first as a whole; a value the gateway
    /// cannot use throws `GatewaySettings.Invalid` naming it, and nothing is stored.
    func save(_ values: [String: String], campaign: Campaign) async throws {
        _ = try GatewaySettings.resolve(environment: [:], stored: values)
        let audit = self.audit
        try await db.transaction { db in
            try await Setting.store(values, on: db)
            try await AuditLog.append(on: db, audit, action: "gateway.settings", objectType: "gateway",
                                      objectID: campaign.code, details: values)
        }
    }
}
