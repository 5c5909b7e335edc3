import Foundation
import Vapor

extension Request {
    /// How long something has waited: days and hours from a day on, else hours and minutes
    /// (a finding's age in the review queue, the time left to a remediation mark).
    func ageText(_ seconds: TimeInterval) -> String {
        let s = Int64(max(0, seconds))
        if s >= 86_400 { return t("time.days", ["n": String(s / 86_400), "h": String((s % 86_400) / 3600)]) }
        return t("score.duration", ["h": String(s / 3600), "m": String((s % 3600) / 60)])
    }

    /// A duration in hours and minutes, however long (a score card's remediation times).
    func durationText(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        return t("score.duration", ["h": String(s / 3600), "m": String((s % 3600) / 60)])
    }
}
