import ArgumentParser
import Foundation
import PatrolCore
import PatrolServer
import PatrolStore

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a campaign bundle (patrol.campaign.v1): everything or nothing.")

    @Argument(help: "The bundle file (JSON), or - for standard input.") var file: String
    @Flag(help: "Replace a campaign with the same code.") var replace = false

    func run() async throws {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let read = FileManager.default.contents(atPath: file) else {
                throw CommandFailure(description: "cannot read \(file)")
            }
            data = read
        }
        let checked: CheckedBundle
        do {
            checked = try BundleValidator.check(try CampaignBundle.decode(data))
        } catch {
            throw CommandFailure(description: error.description)
        }
        let replace = self.replace
        let summary: BundleImporter.Summary
        do {
            summary = try await withApplication { app in
                try await BundleImporter.importBundle(checked, replace: replace, on: app.db, context: .commandLine())
            }
        } catch let error as BundleError {
            throw CommandFailure(description: error.description)
        }
        print("imported campaign \(checked.campaign.code): \(summary.units) units, \(summary.assets) assets, "
              + "\(summary.teams) teams, \(summary.findings) findings, \(summary.notices) notices")
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a campaign as one JSON bundle.")

    @Option(help: "Campaign code.") var campaign: String
    @Option(help: "Write to this file instead of standard output.") var output: String?

    func run() async throws {
        let code = campaign
        let data: Data
        do {
            data = try await withApplication { app in try await BundleExporter.export(campaignCode: code, on: app.db).encoded() }
        } catch let error as BundleExporter.NotFound {
            throw CommandFailure(description: error.description)
        }
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: data) else {
                throw CommandFailure(description: "cannot write \(output)")
            }
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}
