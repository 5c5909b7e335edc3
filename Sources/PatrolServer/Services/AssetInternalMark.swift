import Fluent
import PatrolStore

/// An admin marks an asset as an internal network, or takes the mark away (issue 18): only a
/// marked asset's range may open special addresses (loopback, private, link-local, metadata) to
/// testers. The gateways see the change at their next refresh (the scope counter moves with the row).
struct AssetInternalMark {
    var db: any Database
    var audit: AuditContext

    func mark(_ asset: Asset, internalNetwork: Bool) async throws {
        guard asset.internalNetwork != internalNetwork else { return }
        try await db.transaction { db in
            asset.internalNetwork = internalNetwork
            try await asset.save(on: db)
            try await AuditLog.append(on: db, audit, action: internalNetwork ? "asset.internal.mark" : "asset.internal.unmark",
                                      objectType: "asset", objectID: asset.code, details: ["target": asset.target])
        }
    }
}
