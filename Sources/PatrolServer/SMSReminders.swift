import Fluent
import Foundation
import PatrolCore
import PatrolSMS
import PatrolStore
import Vapor

/// Deadline reminders (SPEC §4): before each remediation mark (24/48/72 h from the notice) passes
/// for a finding still waiting for its report, one SMS per liaison phone, `lead` ahead of the mark.
/// The dedupe key `reminder:{campaign}/{finding}:{hours}:{phone}` makes it once per mark and phone,
/// however often this runs; a finding whose report is in (or that is closed) gets none.
enum SMSReminders {
    @discardableResult
    static func enqueue(_ app: Application, now: Date, lead: TimeInterval) async throws -> Int {
        // Published campaigns are over; their findings get no more reminders.
        let findings = try await Finding.query(on: app.db).filter(\.$status == .notified)
            .join(Campaign.self, on: \Finding.$campaign.$id == \Campaign.$id)
            .filter(Campaign.self, \.$state != .published)
            .with(\.$campaign).with(\.$notice).with(\.$unit) { $0.with(\.$liaisons) }.all()
        var policies: [UUID: ScoringPolicy] = [:]
        var formatters: [UUID: DateFormatter] = [:]
        var candidates: [SMSMessage] = []
        for f in findings {
            guard let notified = f.notifiedAt else { continue }
            let campaign = f.campaign
            let campaignID = try campaign.requireID()
            if policies[campaignID] == nil {
                policies[campaignID] = campaign.scoringPolicy
                let formatter = DateFormatter()
                formatter.timeZone = campaign.zone
                formatter.dateFormat = "M月d日HH:mm"
                formatters[campaignID] = formatter
            }
            let clock = RemediationClock(notifiedAt: EpochMillis(notified), policy: policies[campaignID]!, now: EpochMillis(now))
            // The mark coming up within the lead time, if any.
            guard let mark = clock.marks.first(where: { !$0.passed && TimeInterval($0.remaining) / 1000 <= lead }) else { continue }
            let due = formatters[campaignID]!.string(from: Date(epochMillis: mark.at))
            let event = SMSEvent.reminder(unit: f.unit.name, notice: f.notice?.code ?? "", finding: f.code, hours: mark.hours, deadline: due)
            for phone in Set(f.unit.liaisons.map(\.phone)).sorted() {
                candidates.append(SMSMessage(campaignID: campaignID, event: event,
                                             dedupeKey: "reminder:\(campaign.code)/\(f.code):\(mark.hours):\(phone)", phone: phone, now: now))
            }
        }
        guard !candidates.isEmpty else { return 0 }
        // One query for the reminders already written; only the rest are new.
        let existing = Set(try await SMSMessage.query(on: app.db).filter(\.$dedupeKey ~~ candidates.map(\.dedupeKey)).all(\.$dedupeKey))
        var written = 0
        for message in candidates where !existing.contains(message.dedupeKey) {
            if try await SMSOutbox.enqueue(message, on: app.db) { written += 1 }
        }
        return written
    }
}
