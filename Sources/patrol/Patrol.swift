import ArgumentParser
import Foundation
import Logging
import PatrolCore
import PatrolServer
import PatrolStore
import Vapor

/// `patrol`: the command line of the platform (ARCHITECTURE.md's stable surface).
@main
struct Patrol: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patrol",
        abstract: "Patrol: cybersecurity inspection campaigns — assets, findings, notices, remediation, scores.",
        discussion: """
            Database: PATROL_DATABASE_URL (sqlite:PATH or postgres://…; default sqlite:patrol.sqlite).
            Files: PATROL_DATA_DIR (default ./patrol-data).
            """,
        subcommands: [Serve.self, Migrate.self, Import.self, Export.self, Score.self, Demo.self, UserCommand.self, FindingCommand.self, GatewayCommand.self, AuditCommand.self]
    )
}

/// Failures the command line reports as one line on standard error, exiting 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}

/// Runs `body` with an application over the configured, migrated database.
func withApplication<T>(migrate: Bool = true, _ body: (Application) async throws -> T) async throws -> T {
    let options: PatrolOptions
    do { options = try PatrolOptions.fromEnvironment() } catch { throw CommandFailure(description: "\(error)") }
    let app = try await PatrolApplication.make(options: options)
    app.logger.logLevel = .warning
    do {
        if migrate { try await app.migrateDatabase() }
        let result = try await body(app)
        try await app.asyncShutdown()
        return result
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
}

func printDemoAccounts(_ accounts: [DemoSetup.Account]) {
    print("演示活动 CZ2022 已创建。演示账号（密码只显示这一次，首次登录须修改）:")
    print("Demo campaign CZ2022 created. Demo accounts (passwords shown once; change at first login):")
    for a in accounts {
        let scope = a.scope.isEmpty ? "" : " (\(a.scope))"
        print("  \(a.role.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(a.username.padding(toLength: 10, withPad: " ", startingAt: 0)) \(a.password)\(scope)")
    }
}
