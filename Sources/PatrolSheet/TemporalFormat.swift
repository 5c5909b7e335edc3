/// What a number format makes of a number: nothing (a plain number) or a date, a time, or both.
///
/// Excel stores a date as a serial number and says it is a date only through the cell's number
/// format, so the reader must classify formats to give back "2022-07-01" instead of "44743".
enum TemporalFormat: Hashable {
    case date
    case time
    case dateTime

    /// Built-in format ids that are dates or times. 14–22 and 45–47 are fixed by ECMA-376; 27–36 and
    /// 50–58 are the East Asian locale formats (年/月/日, 时/分) that Excel and WPS write in China.
    static func builtIn(_ id: Int) -> TemporalFormat? {
        switch id {
        case 14...17, 27...31, 36, 50...54, 57, 58: .date
        case 18...21, 32...35, 45...47, 55, 56: .time
        case 22: .dateTime
        default: nil
        }
    }

    /// Classifies a format code such as `yyyy-mm-dd`, `yyyy"年"m"月"d"日"`, `[$-804]aaaa` or
    /// `hh:mm:ss`; nil for number formats (`0.00`, `#,##0"元"`, `@`, `General`).
    static func of(code: String) -> TemporalFormat? {
        var hasDate = false, hasTime = false, hasMonthOrMinute = false
        var scalars = code.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            switch scalar {
            case ";":
                // Only the first section (positive numbers) decides; the others are rarely dates.
                return classify(hasDate: hasDate, hasTime: hasTime, hasMonthOrMinute: hasMonthOrMinute)
            case "\"":
                while let next = scalars.next(), next != "\"" {}
            case "\\", "_", "*":
                _ = scalars.next()
            case "[":
                var inside = ""
                while let next = scalars.next(), next != "]" { inside.unicodeScalars.append(next) }
                let lowered = inside.lowercased()
                if !lowered.isEmpty, lowered.allSatisfy({ $0 == "h" || $0 == "m" || $0 == "s" }) { hasTime = true }
            default:
                switch scalar {
                case "y", "Y", "d", "D": hasDate = true
                case "h", "H", "s", "S": hasTime = true
                case "m", "M": hasMonthOrMinute = true
                // "AM/PM" and "上午/下午" mark a clock time; "aaaa" is the Chinese day of the week.
                case "A", "a", "上":
                    let rest = code.unicodeScalars.split(separator: ";").first.map { String(String.UnicodeScalarView($0)) } ?? ""
                    if rest.uppercased().contains("AM/PM") || rest.contains("上午/下午") { hasTime = true }
                    else if rest.contains("aaa") { hasDate = true }
                default: break
                }
            }
        }
        return classify(hasDate: hasDate, hasTime: hasTime, hasMonthOrMinute: hasMonthOrMinute)
    }

    private static func classify(hasDate: Bool, hasTime: Bool, hasMonthOrMinute: Bool) -> TemporalFormat? {
        // An "m" is a month unless it stands among hours and seconds ("h:mm"), where it is minutes.
        let date = hasDate || (hasMonthOrMinute && !hasTime)
        switch (date, hasTime) {
        case (true, true): return .dateTime
        case (true, false): return .date
        case (false, true): return .time
        case (false, false): return nil
        }
    }
}
