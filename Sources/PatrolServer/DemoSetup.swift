import Fluent
import PatrolCore
import PatrolStore
import Vapor

/// Loads the demo campaign `CZ2022` and one account per role, each with a random password that
/// is printed once and must be changed at first login.
public enum DemoSetup {
    public struct Account: Sendable {
        public var username: String
        public var role: Role
        public var scope: String
        public var password: String
    }

    /// nil when the demo campaign is already there.
    public static func load(_ app: Application) async throws -> [Account]? {
        if try await Campaign.query(on: app.db).filter(\.$code == DemoCampaign.code).first() != nil { return nil }
        let checked = try BundleValidator.check(try DemoCampaign.bundle())
        let context = AuditContext(actorID: nil, actor: "demo", clientAddress: "local")
        _ = try await BundleImporter.importBundle(checked, replace: false, on: app.db, context: context)
        let accounts = Accounts(db: app.db, application: app)
        let wanted: [(String, String, Role, String?, String?)] = [
            ("admin", "网信办管理员（演示）", .admin, nil, nil),
            ("reviewer", "技术团队审核员（演示）", .reviewer, nil, nil),
            ("tester", "检测一队队员（演示）", .tester, nil, "T01"),
            ("liaison", "溧阳市联络员（演示）", .liaison, "D01", nil),
            ("observer", "督查观察员（演示）", .observer, nil, nil),
        ]
        var created: [Account] = []
        for (username, name, role, unit, team) in wanted {
            if try await User.query(on: app.db).filter(\.$username == username).first() != nil { continue }
            let result = try await accounts.create(UserDraft(username: username, displayName: name, role: role.rawValue, unit: unit,
                                                             team: team), context: context)
            created.append(Account(username: username, role: role, scope: unit ?? team ?? "",
                                   password: result.generatedPassword ?? ""))
        }
        return created
    }
}

/// Builds an application over the configured database, for the server and the command line.
public enum PatrolApplication {
    public static func make(options: PatrolOptions, arguments: [String] = ["patrol"]) async throws -> Application {
        var env = Environment(name: ProcessInfo.processInfo.environment["PATROL_ENV"] ?? "production", arguments: arguments)
        env.arguments = arguments
        let app = try await Application.make(env)
        do {
            try await configure(app, options: options)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        return app
    }
}
