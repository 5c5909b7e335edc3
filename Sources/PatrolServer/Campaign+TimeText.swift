import Foundation
import PatrolStore

extension Campaign {
    /// A time as people read it, in the campaign's own zone (never the server's).
    func timeText(_ date: Date?) -> String {
        guard let date else { return "" }
        let f = DateFormatter()
        f.timeZone = zone
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: date)
    }
}
