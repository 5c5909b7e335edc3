import Foundation
import BigInt

/// An exact fraction over arbitrary-precision integers, always kept in lowest terms with a positive
/// denominator. Scoring uses it so that no Float or Double ever touches a score (SPEC §5).
public struct Rational: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let numerator: BigInt
    public let denominator: BigInt

    public init(_ numerator: BigInt, _ denominator: BigInt = 1) {
        precondition(!denominator.isZero, "Rational with a zero denominator")
        var n = numerator, d = denominator
        if d.signum() < 0 { n = -n; d = -d }
        let g = n.magnitude.greatestCommonDivisor(with: d.magnitude)
        if g > 1 {
            n /= BigInt(g)
            d /= BigInt(g)
        }
        self.numerator = n
        self.denominator = d
    }

    public init(_ value: Int) { self.init(BigInt(value), 1) }

    public static let zero = Rational(0)
    public static let one = Rational(1)

    public static func + (a: Rational, b: Rational) -> Rational {
        Rational(a.numerator * b.denominator + b.numerator * a.denominator, a.denominator * b.denominator)
    }
    public static func - (a: Rational, b: Rational) -> Rational {
        Rational(a.numerator * b.denominator - b.numerator * a.denominator, a.denominator * b.denominator)
    }
    public static func * (a: Rational, b: Rational) -> Rational {
        Rational(a.numerator * b.numerator, a.denominator * b.denominator)
    }
    public static func / (a: Rational, b: Rational) -> Rational {
        precondition(!b.numerator.isZero, "Rational division by zero")
        return Rational(a.numerator * b.denominator, a.denominator * b.numerator)
    }
    public static func < (a: Rational, b: Rational) -> Bool {
        a.numerator * b.denominator < b.numerator * a.denominator
    }

    /// Rounded half-up (halves away from zero) to hundredths: 48.125 → 48.13, 34.375 → 34.38.
    public var roundedToHundredths: Hundredths {
        let scaled = numerator.magnitude * 100
        let d = denominator.magnitude
        // floor((2·n·100 + d) / (2·d)) rounds the magnitude half-up.
        let q = (scaled * 2 + d) / (d * 2)
        let value = Int(q)
        return Hundredths(numerator.signum() < 0 ? -value : value)
    }

    /// The exact decimal expansion when it terminates within `maxDigits` fraction digits
    /// (`48.125`), otherwise the first `maxDigits` digits followed by `…` (`36.666666…`).
    public func decimalText(maxDigits: Int = 6) -> String {
        let negative = numerator.signum() < 0
        let n = numerator.magnitude, d = denominator.magnitude
        let whole = n / d
        var rest = n % d
        var digits = ""
        while !rest.isZero && digits.count < maxDigits {
            rest *= 10
            digits += String(rest / d)
            rest %= d
        }
        var text = (negative ? "-" : "") + String(whole)
        if !digits.isEmpty { text += "." + digits }
        if !rest.isZero { text += "…" }
        return text
    }

    /// `n/d` in lowest terms, or just `n` for whole numbers.
    public var description: String {
        denominator == 1 ? String(numerator) : "\(numerator)/\(denominator)"
    }
}

/// A score in hundredths of a point: the unit every published number is kept and compared in.
/// Formats with exactly two decimals (`"48.13"`, `"0.00"`, `"-1.50"`).
public struct Hundredths: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var value: Int

    public init(_ value: Int) { self.value = value }
    public static func points(_ whole: Int) -> Hundredths { Hundredths(whole * 100) }
    public static let zero = Hundredths(0)

    public static func + (a: Hundredths, b: Hundredths) -> Hundredths { Hundredths(a.value + b.value) }
    public static func - (a: Hundredths, b: Hundredths) -> Hundredths { Hundredths(a.value - b.value) }
    public static func < (a: Hundredths, b: Hundredths) -> Bool { a.value < b.value }

    public var description: String {
        let sign = value < 0 ? "-" : ""
        let m = value.magnitude
        let cents = m % 100
        return "\(sign)\(m / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// Parses `"48.13"`, `"55"`, `"0.5"`; nil for anything with more than two decimals or not a number.
    public init?(parsing text: String) {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        var negative = false
        if s.first == "-" { negative = true; s = s.dropFirst() }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        // Digits only after the one optional "-": `Int(_:)` would accept a second sign.
        guard let wholeText = parts.first, !wholeText.isEmpty, wholeText.count <= 15,
              wholeText.allSatisfy({ $0.isASCII && $0.isNumber }), let whole = Int(wholeText) else { return nil }
        var fraction = 0
        if parts.count == 2 {
            let f = parts[1]
            guard (1...2).contains(f.count), f.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(f) else { return nil }
            fraction = f.count == 1 ? v * 10 : v
        }
        let total = whole * 100 + fraction
        self.value = negative ? -total : total
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let v = Hundredths(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a score with at most two decimals: \(text)")
        }
        self = v
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
