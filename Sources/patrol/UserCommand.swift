import ArgumentParser
import Fluent
import Foundation
import PatrolCore
import PatrolServer
import PatrolStore
import Vapor

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage accounts.",
        subcommands: [Add.self, Passwd.self, List.self, Disable.self, Enable.self])

    struct Target: ParsableArguments {
        @ArgumentParser.Option(help: "The account's username.") var username: String
    }

    static func readPassword() throws -> String {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw CommandFailure(description: "--password-stdin: no password on standard input")
        }
        return line
    }

    static func find(_ username: String, on db: any Database) async throws -> PatrolStore.User {
        guard let user = try await PatrolStore.User.query(on: db).filter(\.$username == username.lowercased()).first() else {
            throw CommandFailure(description: "no user \"\(username)\"")
        }
        return user
    }

    /// Runs with the application, turning a `PatrolError` into a plain sentence.
    static func withAccounts(_ body: (Application) async throws -> Void) async throws {
        try await withApplication { app in
            do { try await body(app) } catch let error as PatrolError {
                throw CommandFailure(description: app.describe(error))
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account. Without --password-stdin a password is generated, printed once, and must be changed at first login.")

        @ArgumentParser.Option(help: "Username: 3–32 of a-z 0-9 . _ -") var username: String
        @ArgumentParser.Option(help: "admin, reviewer, tester, liaison or observer.") var role: String
        @ArgumentParser.Option(help: "Unit code (liaisons).") var unit: String?
        @ArgumentParser.Option(help: "Team code (testers).") var team: String?
        @ArgumentParser.Option(help: "Display name.") var name: String?
        @ArgumentParser.Option(help: "Mobile phone.") var phone: String?
        @ArgumentParser.Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false

        func run() async throws {
            guard let role = Role(rawValue: role) else {
                throw CommandFailure(description: "unknown role \"\(role)\" (one of: \(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let password = passwordStdin ? try UserCommand.readPassword() : nil
            try await UserCommand.withAccounts { app in
                let created = try await Accounts(db: app.db, application: app).create(
                    UserDraft(username: username, displayName: name, role: role.rawValue, unit: unit, team: team, phone: phone,
                              password: password), context: .commandLine())
                print("created \(role.rawValue) \(created.user.username)")
                if let generated = created.generatedPassword { print("password (shown once, must be changed at first login): \(generated)") }
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set an account's password (from standard input), or reset it to a generated one that must be changed.")

        @ArgumentParser.OptionGroup var target: Target
        @ArgumentParser.Flag(help: "Read the new password from the first line of standard input.") var passwordStdin = false

        func run() async throws {
            let password = passwordStdin ? try UserCommand.readPassword() : nil
            try await UserCommand.withAccounts { app in
                let user = try await UserCommand.find(target.username, on: app.db)
                let accounts = Accounts(db: app.db, application: app)
                if let password {
                    try await accounts.setPassword(user: user, to: password, context: .commandLine())
                    print("password of \(user.username) changed")
                } else {
                    let generated = try await accounts.resetPassword(user: user, context: .commandLine())
                    print("new password of \(user.username) (shown once, must be changed at next login): \(generated)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")

        func run() async throws {
            try await UserCommand.withAccounts { app in
                let users = try await PatrolStore.User.query(on: app.db).with(\.$unit).with(\.$team).sort(\.$username).all()
                print("username              role      unit/team  state")
                for u in users {
                    let scope = u.unit?.code ?? u.team?.code ?? "-"
                    let state = u.disabled ? "disabled" : u.mustChangePassword ? "must-change-password" : "active"
                    print("\(u.username.padding(toLength: 21, withPad: " ", startingAt: 0)) \(u.role.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(scope.padding(toLength: 10, withPad: " ", startingAt: 0)) \(state)")
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account and end its sessions.")
        @ArgumentParser.OptionGroup var target: Target

        func run() async throws {
            try await UserCommand.withAccounts { app in
                let user = try await UserCommand.find(target.username, on: app.db)
                try await Accounts(db: app.db, application: app).setDisabled(user, true, context: .commandLine())
                print("disabled \(user.username)")
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account.")
        @ArgumentParser.OptionGroup var target: Target

        func run() async throws {
            try await UserCommand.withAccounts { app in
                let user = try await UserCommand.find(target.username, on: app.db)
                try await Accounts(db: app.db, application: app).setDisabled(user, false, context: .commandLine())
                print("enabled \(user.username)")
            }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The audit log.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the audit log's hash chain; report the first broken link.")

        func run() async throws {
            let result = try await withApplication { app in try await AuditLog.verify(on: app.db) }
            if let broken = result.firstBreak {
                switch broken {
                case .hashMismatch(let seq): throw CommandFailure(description: "audit chain broken at entry \(seq): its content does not match its hash")
                case .linkMismatch(let seq): throw CommandFailure(description: "audit chain broken at entry \(seq): it does not link to entry \(seq - 1)")
                case .gap(let expected, let found): throw CommandFailure(description: "audit chain broken: entry \(expected) is missing (next is \(found))")
                }
            }
            print("audit chain intact: \(result.checked) entries")
        }
    }
}
