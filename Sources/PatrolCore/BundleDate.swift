import Foundation

/// Times in a campaign bundle: RFC 3339 (ISO 8601 with an offset), written in the campaign's time
/// zone so a person reading the file sees local times.
///
/// Hand-written rather than `ISO8601DateFormatter`: on Linux that class builds an ICU formatter on
/// every use, which was a third of a 200,000-finding import; `Date.ISO8601FormatStyle` writes
/// offsets without the colon and truncates milliseconds. The profile is small and fixed:
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM[:SS])`, calendar dates checked (no 30 February, no hour 25).
public enum BundleDate {
    public static func parse(_ text: String) -> Date? {
        var utf8 = text.utf8.makeIterator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        while let b = utf8.next() { bytes.append(b); if bytes.count > 40 { return nil } }
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= bytes.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                let d = Int(bytes[k]) - 48
                guard (0...9).contains(d) else { return nil }
                v = v * 10 + d
            }
            i += n
            return v
        }
        func expect(_ c: UInt8...) -> Bool {
            guard i < bytes.count, c.contains(bytes[i]) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2),
              expect(0x54, 0x74), let hour = digits(2), expect(0x3A), let minute = digits(2), expect(0x3A),
              let second = digits(2) else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 60 else { return nil }
        var fraction = 0.0
        if i < bytes.count, bytes[i] == 0x2E {
            i += 1
            var numerator = 0, denominator = 1
            let first = i
            while i < bytes.count, (48...57).contains(bytes[i]) {
                if denominator < 1_000_000_000 { numerator = numerator * 10 + Int(bytes[i] - 48); denominator *= 10 }
                i += 1
            }
            guard i > first else { return nil }
            fraction = Double(numerator) / Double(denominator)
        }
        var offset = 0
        if expect(0x5A, 0x7A) {
            offset = 0
        } else if i < bytes.count, bytes[i] == 0x2B || bytes[i] == 0x2D {
            let sign = bytes[i] == 0x2D ? -1 : 1
            i += 1
            guard let oh = digits(2) else { return nil }
            _ = expect(0x3A)
            guard let om = digits(2), oh < 24, om < 60 else { return nil }
            // Seconds in an offset: the local mean times of zones before 1920 or so.
            var os = 0
            if i < bytes.count, bytes[i] == 0x3A {
                i += 1
                guard let s = digits(2), s < 60 else { return nil }
                os = s
            }
            offset = sign * (oh * 3600 + om * 60 + os)
        } else {
            return nil
        }
        guard i == bytes.count else { return nil }
        guard let midnight = utc.date(from: DateComponents(year: year, month: month, day: day)) else { return nil }
        let seconds = Int(midnight.timeIntervalSince1970) + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// The time in `timeZone`, to the millisecond (rounded), milliseconds written only when not zero.
    public static func format(_ date: Date, in timeZone: TimeZone) -> String {
        let millis = Int((date.timeIntervalSince1970 * 1000).rounded())
        let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(millis) / 1000))
        let localMillis = millis + offset * 1000
        let (days, dayMillis) = floorDivision(localMillis, 86_400_000)
        let civil = utc.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(days) * 86_400))
        let (year, month, day) = (civil.year!, civil.month!, civil.day!)
        let secondOfDay = dayMillis / 1000, milli = dayMillis % 1000
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if milli != 0 { text += ".\(pad(milli, 3))" }
        if offset == 0 { return text + "Z" }
        let minutes = abs(offset) / 60, seconds = abs(offset) % 60
        text += (offset < 0 ? "-" : "+") + "\(pad(minutes / 60, 2)):\(pad(minutes % 60, 2))"
        return seconds == 0 ? text : text + ":\(pad(seconds, 2))"
    }

    /// Calendar days, without a zone: the offset is applied by hand, as written in the text.
    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    private static func floorDivision(_ a: Int, _ b: Int) -> (Int, Int) {
        let q = a >= 0 ? a / b : -((-a + b - 1) / b)
        return (q, a - q * b)
    }

    private static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
