/// Excel's date serial numbers, converted with integer arithmetic so no time zone or calendar
/// setting of the server can shift a date by a day.
enum SerialDate {
    /// The latest serial Excel accepts, 9999-12-31.
    static let maximum = 2_958_465.0

    /// ISO 8601 text for a serial in the given date system, shaped by what the format shows:
    /// `2022-07-01`, `2022-07-01T09:30:00` or `09:30:00`. Nil when the serial is not a date.
    static func text(serial: Double, format: TemporalFormat, date1904: Bool) -> String? {
        guard serial.isFinite, serial >= 0, serial <= maximum else { return nil }
        // Round to the second first so 44927.99999999999 is midnight of the next day, not 23:59:59.
        let totalSeconds = (serial * 86_400).rounded()
        let days = Int(totalSeconds / 86_400)
        let seconds = Int(totalSeconds) - days * 86_400
        let time = "\(pad(seconds / 3600)):\(pad(seconds / 60 % 60)):\(pad(seconds % 60))"
        switch format {
        case .time: return time
        case .date: return isoDate(days: days, date1904: date1904)
        case .dateTime: return isoDate(days: days, date1904: date1904) + "T" + time
        }
    }

    /// The serial of a calendar day in the 1900 system, for the writer.
    static func serial(year: Int, month: Int, day: Int) -> Int {
        let sinceUnixEpoch = daysFromCivil(year: year, month: month, day: day)
        return sinceUnixEpoch + 25_569
    }

    private static func isoDate(days: Int, date1904: Bool) -> String {
        let sinceUnixEpoch: Int
        if date1904 {
            sinceUnixEpoch = days - 24_107
        } else if days >= 61 {
            sinceUnixEpoch = days - 25_569
        } else {
            // Excel counts a 29 February 1900 that never was (serial 60, kept for Lotus 1-2-3);
            // serials before it are one day later than the arithmetic says, and 60 itself is shown
            // as the last real February day.
            sinceUnixEpoch = min(days, 59) - 25_568
        }
        let (year, month, day) = civil(fromDays: sinceUnixEpoch)
        return "\(padYear(year))-\(pad(month))-\(pad(day))"
    }

    // Howard Hinnant's days_from_civil / civil_from_days, proleptic Gregorian.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func padYear(_ year: Int) -> String {
        let digits = String(year)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
