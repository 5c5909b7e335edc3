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
        let path: String
        var spooled: String?
        if file == "-" {
            // Standard input is read once; the bundle is read twice (its findings last), so it is
            // copied to a temporary file first.
            let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("patrol-import-\(UUID().uuidString).json").path
            guard FileManager.default.createFile(atPath: temporary, contents: nil),
                  let out = FileHandle(forWritingAtPath: temporary) else { throw CommandFailure(description: "cannot write \(temporary)") }
            while let chunk = try FileHandle.standardInput.read(upToCount: 1 << 20), !chunk.isEmpty { try out.write(contentsOf: chunk) }
            try out.close()
            path = temporary
            spooled = temporary
        } else {
            path = file
        }
        defer { if let spooled { try? FileManager.default.removeItem(atPath: spooled) } }

        let reader: BundleFileReader
        do {
            reader = try BundleFileReader(path: path)
        } catch {
            throw CommandFailure(description: error.description)
        }
        let head = reader.checker.head
        let total = reader.findingCount
        let replace = self.replace
        let progress = ImportProgress(total: total)
        let summary: BundleImporter.Summary
        do {
            summary = try await withApplication { app in
                try await BundleImporter.importBundle(head: head, findings: reader, replace: replace, on: app.db,
                                                      context: .commandLine(), progress: { progress.show($0) })
            }
        } catch let error as BundleError {
            progress.end()
            throw CommandFailure(description: error.description)
        } catch {
            progress.end()
            throw CommandFailure(description: "nothing was imported: \(databaseErrorText(error))")
        }
        progress.end()
        print("imported campaign \(head.campaign.code): \(summary.units) units, \(summary.assets) assets, "
              + "\(summary.teams) teams, \(summary.findings) findings, \(summary.notices) notices")
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a campaign as one JSON bundle.")

    @Option(help: "Campaign code.") var campaign: String
    @Option(help: "Write to this file instead of standard output.") var output: String?

    func run() async throws {
        let code = campaign
        let out: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil), let handle = FileHandle(forWritingAtPath: output) else {
                throw CommandFailure(description: "cannot write \(output)")
            }
            out = handle
        } else {
            out = FileHandle.standardOutput
        }
        do {
            // Written as it is read, through a buffer of a mebibyte, so a province's campaign never
            // sits in memory whole.
            let sink = ExportSink(out)
            try await withApplication { app in
                try await BundleExporter.write(campaignCode: code, on: app.db) { try sink.write($0) }
            }
            try sink.flush()
            if output != nil { try out.close() }
        } catch let error as BundleExporter.NotFound {
            if let output { try? FileManager.default.removeItem(atPath: output) }
            throw CommandFailure(description: error.description)
        } catch {
            if let output { try? FileManager.default.removeItem(atPath: output) }
            throw CommandFailure(description: "export failed: \(databaseErrorText(error))")
        }
    }
}

/// Collects the export's small pieces into writes of about a mebibyte.
final class ExportSink: @unchecked Sendable {
    private let handle: FileHandle
    private var buffer = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    func write(_ data: Data) throws {
        buffer.append(data)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
