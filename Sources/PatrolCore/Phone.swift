/// Mainland China mobile numbers, as liaisons' phones must be for SMS (SPEC §4).
public enum Phone {
    /// The 11-digit national form (`13800000000`) of a mainland mobile number given with or
    /// without `+86`/`86`, spaces or dashes; nil if it is not one.
    public static func normalizedMainlandMobile(_ raw: String) -> String? {
        var digits = raw.filter { !" -".contains($0) }
        if digits.hasPrefix("+86") { digits.removeFirst(3) } else if digits.hasPrefix("86"), digits.count == 13 { digits.removeFirst(2) }
        guard digits.count == 11, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        let chars = Array(digits)
        guard chars[0] == "1", ("3"..."9").contains(chars[1]) else { return nil }
        return digits
    }
}
