import FluentKit
import Foundation
import PatrolCore
import SQLKit

/// Provisional score sheets, memoised so that a score card or the ranking does not score the whole
/// campaign per page view (issue 20, item 3). Two levels, each with the key that makes it right:
///
/// - the scoring input (every finding, report and asset count, seconds to read at province scale)
///   is kept per campaign under the database's score data counter (migration 023) and the campaign
///   fields scoring reads; a change by any node or any path moves the counter, and the next reader
///   loads again;
/// - the sheet computed from it is kept until a minute has passed or the scoring standard's clock
///   turns a finding from pending to unfixed (`ScoringInput.nextChange`), whichever comes first;
///   in the minute after that it is still shown while it is scored again in the background (a
///   province's sheet takes a second or more), so no page view waits for the clock. The sheet shown
///   is always the exact sheet of the instant it names (`scoredAt`), at most two minutes old, and a
///   change of data is never answered from the older sheet. A campaign with a fixed scoring
///   instant keeps its sheet until the data changes.
///
/// The counter is read before the data, so a change committed in between is at worst loaded under
/// the older counter and loaded again on the next read, never missed. Concurrent readers of the same
/// campaign wait for one load instead of each running it.
public actor ScoreMemo {
    /// How long a provisional sheet scored at "now" is shown before it is scored again.
    public static let freshness: TimeInterval = 60

    struct Key: Hashable {
        var stamp: CounterStamp
        var policy: String
        var scoredAt: Date?
    }

    struct Sheet {
        var key: Key
        var validUntil: Date
        var document: ScoreSheetDocument
    }

    private var inputs: [UUID: (key: Key, load: Task<ScoringInput, any Error>)] = [:]
    private var sheets: [UUID: Sheet] = [:]
    private var refreshes: [UUID: Task<Void, Never>] = [:]
    /// How many times the data was read and how many times a sheet was scored (for tests and metrics).
    public private(set) var loads = 0, scorings = 0

    public init() {}

    /// The provisional sheet of the campaign as its data stands, scored at its scoring instant or,
    /// without one, at an instant less than `freshness` ago.
    public func document(for campaign: Campaign, now: Date = Date(), on db: any Database) async throws -> ScoreSheetDocument {
        guard let sql = db as? any SQLDatabase else { fatalError("Patrol's databases are SQL databases") }
        let id = try campaign.requireID()
        guard let stamp = try await AddScoreDataVersion.current(on: sql) else {
            return ScoreSheetDocument(campaign: campaign.code, sheet: try await ScoringData.sheet(for: campaign, on: db),
                                      timeZone: campaign.zone)
        }
        let key = Key(stamp: stamp, policy: campaign.scoringPolicyJSON, scoredAt: campaign.scoredAt)
        if let sheet = sheets[id], sheet.key == key {
            if now < sheet.validUntil { return sheet.document }
            if now < sheet.validUntil.addingTimeInterval(Self.freshness) {
                if refreshes[id] == nil {
                    refreshes[id] = Task {
                        _ = try? await self.score(campaign, key: key, now: now, on: db)
                        self.refreshed(id)
                    }
                }
                return sheet.document
            }
        }
        return try await score(campaign, key: key, now: now, on: db)
    }

    /// Scores the campaign's data under `key` at `now` (or its scoring instant) and keeps the sheet.
    private func score(_ campaign: Campaign, key: Key, now: Date, on db: any Database) async throws -> ScoreSheetDocument {
        let id = try campaign.requireID()
        let load: Task<ScoringInput, any Error>
        if let cached = inputs[id], cached.key == key {
            load = cached.load
        } else {
            load = Task { try await ScoringData.input(for: campaign, on: db) }
            loads += 1
            inputs[id] = (key, load)
        }
        var input: ScoringInput
        do {
            input = try await load.value
        } catch {
            // A failed load is not remembered: the next reader tries again.
            if inputs[id]?.key == key { inputs[id] = nil }
            throw error
        }
        // Another reader may have scored the same data while this one waited.
        if let sheet = sheets[id], sheet.key == key, now < sheet.validUntil { return sheet.document }

        let at = campaign.scoredAt ?? now
        input.at = EpochMillis(at)
        scorings += 1
        let document = ScoreSheetDocument(campaign: campaign.code, sheet: try ScoringEngine.score(input), timeZone: campaign.zone)
        var validUntil = campaign.scoredAt == nil ? at.addingTimeInterval(Self.freshness) : .distantFuture
        if let turn = input.nextChange { validUntil = min(validUntil, Date(epochMillis: turn)) }
        // A slower scoring of older data never replaces a newer sheet.
        if let kept = sheets[id], kept.key == key, kept.validUntil > validUntil { return document }
        sheets[id] = Sheet(key: key, validUntil: validUntil, document: document)
        return document
    }

    private func refreshed(_ id: UUID) { refreshes[id] = nil }

    /// Waits for background re-scorings to finish (tests).
    public func settle() async {
        for task in refreshes.values { await task.value }
    }
}
