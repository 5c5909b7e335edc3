import Foundation

/// Times in a campaign bundle: ISO 8601 with an offset, written in the campaign's time zone so a
/// person reading the file sees local times.
public enum BundleDate {
    public static func parse(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }

    public static func format(_ date: Date, in timeZone: TimeZone) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = timeZone
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        let whole = millis.truncatingRemainder(dividingBy: 1000) == 0
        f.formatOptions = whole ? [.withInternetDateTime] : [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: millis / 1000))
    }
}
