import ArgumentParser
import Foundation
import PatrolCore
import PatrolServer
import PatrolStore

struct Score: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a campaign to its published standard (SPEC §5).",
        discussion: """
            json is the document of SPEC §7 (every score a string with two decimals, every deduction \
            explained); csv has a UTF-8 byte-order mark so Excel reads the Chinese; table is aligned for \
            a terminal. Unfixed findings are judged at --at, else the campaign's scoredAt, else now.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, csv, table }
    enum Language: String, ExpressibleByArgument, CaseIterable { case zh, en }

    @Option(help: "Campaign code.") var campaign: String
    @Option(help: "Output format: json, csv or table.") var format: Format = .json
    @Option(help: "Scoring instant, ISO 8601 with offset (e.g. 2022-05-31T00:00:00+08:00).") var at: String?
    @Option(help: "Language of csv/table headings: zh or en.") var lang: Language = .zh

    func run() async throws {
        var instant: Date?
        if let at {
            guard let parsed = BundleDate.parse(at) else {
                throw CommandFailure(description: "--at \"\(at)\" is not an ISO 8601 time with offset (e.g. 2022-05-31T00:00:00+08:00)")
            }
            instant = parsed
        }
        let code = campaign, instantAt = instant
        let doc: ScoreSheetDocument = try await withApplication { app in
            guard let c = try await PatrolStore.Campaign.find(code: code, on: app.db) else {
                throw CommandFailure(description: "campaign \"\(code)\" does not exist")
            }
            do {
                // Without --at a published campaign prints its frozen sheet, as its units saw it.
                if instantAt == nil { return try await ScorePublication.current(for: c, on: app.db).document }
                let sheet = try await ScoringData.sheet(for: c, at: instantAt, on: app.db)
                return ScoreSheetDocument(campaign: code, sheet: sheet, timeZone: c.zone)
            } catch let error as ScoringError {
                throw CommandFailure(description: "campaign \(code): \(error.description)")
            }
        }
        let chinese = lang == .zh
        switch format {
        case .json:
            FileHandle.standardOutput.write(doc.encoded())
            FileHandle.standardOutput.write(Data("\n".utf8))
        case .csv:
            FileHandle.standardOutput.write(try ScoreSheetExport.csv(doc, chinese: chinese))
        case .table:
            FileHandle.standardOutput.write(Data(ScoreSheetExport.table(doc, chinese: chinese).utf8))
        }
    }
}
