import FluentKit
import SQLKit

/// An admin's mark that an asset is an internal network (issue 18): only then may its range open
/// special addresses (loopback, private, link-local, metadata) to testers. Existing assets are not
/// marked, so a wide range declared before keeps those addresses shut until an admin decides.
struct AddAssetInternalNetwork: AsyncMigration {
    var name: String { "016_AddAssetInternalNetwork" }

    func prepare(on database: any Database) async throws {
        try await database.schema("assets").field("internal_network", .bool, .required, .sql(.default(false))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("assets").deleteField("internal_network").update()
    }
}
