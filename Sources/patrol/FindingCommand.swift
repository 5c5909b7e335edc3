import ArgumentParser
import Fluent
import Foundation
import PatrolCore
import PatrolServer
import PatrolStore
import Vapor

/// `patrol finding`: the finding lifecycle from the command line, through the same service the API
/// and the pages use (`FindingLifecycle`), acting as a named account so the access policy, the
/// testing window and the audit log apply exactly as they do on the web.
struct FindingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finding", abstract: "Submit and review findings as an account.",
        subcommands: [Submit.self, Review.self])

    struct Acting: ParsableArguments {
        @ArgumentParser.Option(help: "The campaign's code.") var campaign: String
        @ArgumentParser.Option(name: .customLong("as"), help: "The account acting (a tester submits, a reviewer reviews).")
        var username: String
    }

    /// Runs `body` with the lifecycle acting as the account, a `PatrolError` turned into a sentence.
    static func withLifecycle(_ acting: Acting, _ body: (FindingLifecycle, Campaign) async throws -> Void) async throws {
        try await withApplication { app in
            guard let campaign = try await Campaign.find(code: acting.campaign, on: app.db) else {
                throw CommandFailure(description: "no campaign \"\(acting.campaign)\"")
            }
            let user = try await UserCommand.find(acting.username, on: app.db)
            guard !user.disabled, let actor = user.actor else {
                throw CommandFailure(description: "account \"\(user.username)\" is disabled")
            }
            let lifecycle = FindingLifecycle(db: app.db, actor: actor,
                                             audit: AuditContext(actorID: user.id, actor: user.username, clientAddress: "cli"))
            do { try await body(lifecycle, campaign) } catch let error as PatrolError {
                throw CommandFailure(description: app.describe(error))
            }
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Submit a finding for review; prints its code.")

        @OptionGroup var acting: Acting
        @ArgumentParser.Option(help: "Unit code.") var unit: String
        @ArgumentParser.Option(help: "Asset code (not needed for an asset discrepancy).") var asset: String?
        @ArgumentParser.Option(help: "vulnerability, protection, data or assetDiscrepancy.") var kind = "vulnerability"
        @ArgumentParser.Option(help: "critical, high, medium or low (vulnerabilities).") var severity: String?
        @ArgumentParser.Option(help: "Type, by key or Chinese name (e.g. sqlInjection or SQL注入).") var type: String?
        @ArgumentParser.Option(help: "Title.") var title: String
        @ArgumentParser.Option(help: "Description.") var description: String?
        @ArgumentParser.Option(help: "Steps to reproduce.") var reproduction: String?
        @ArgumentParser.Option(help: "The affected URL.") var url: String?
        @ArgumentParser.Flag(help: "A weak password was found.") var weakPassword = false
        @ArgumentParser.Option(help: "Sensitive records exposed.") var sensitiveRecords = 0
        @ArgumentParser.Option(help: "A web shell the tester uploaded (repeat for each).") var shellPath: [String] = []

        func run() async throws {
            let draft = FindingDraft(unit: unit, asset: asset, kind: kind, severity: severity, type: type, title: title,
                                     description: description, reproduction: reproduction, url: url, weakPassword: weakPassword,
                                     sensitiveRecords: sensitiveRecords, shellPaths: shellPath)
            try await FindingCommand.withLifecycle(acting) { lifecycle, campaign in
                let f = try await lifecycle.submit(draft, in: campaign)
                print(f.code)
            }
        }
    }

    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decide on a submitted finding; prints its new status.")

        @OptionGroup var acting: Acting
        @ArgumentParser.Option(help: "The finding's code (F0001).") var finding: String
        @ArgumentParser.Option(help: "verify, needInfo, reject or duplicate.") var decision: String
        @ArgumentParser.Option(help: "The reviewer's note (required to ask for information or reject).") var note: String?
        @ArgumentParser.Option(help: "Corrected severity, when verifying.") var severity: String?
        @ArgumentParser.Option(help: "The original finding, for duplicate.") var duplicateOf: String?

        func run() async throws {
            let draft = ReviewDraft(decision: decision, severity: severity, duplicateOf: duplicateOf, note: note)
            try await FindingCommand.withLifecycle(acting) { lifecycle, campaign in
                let f = try await lifecycle.finding(finding, in: campaign)
                try await lifecycle.review(f, draft, in: campaign)
                print("\(f.code) \(f.status.rawValue)")
            }
        }
    }
}
