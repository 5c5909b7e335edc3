/// 等保-style password rules: at least `minimumLength` characters drawn from at least
/// `minimumClasses` of the four classes (lower case, upper case, digits, other).
public struct PasswordPolicy: Sendable {
    public var minimumLength: Int
    public var minimumClasses: Int

    public init(minimumLength: Int = 10, minimumClasses: Int = 3) {
        self.minimumLength = minimumLength
        self.minimumClasses = minimumClasses
    }

    public enum Violation: Error, Equatable, Sendable {
        case tooShort(minimum: Int)
        case tooFewClasses(minimum: Int)
        case containsUsername
    }

    public func check(_ password: String, username: String? = nil) -> Violation? {
        if password.count < minimumLength { return .tooShort(minimum: minimumLength) }
        var lower = false, upper = false, digit = false, other = false
        for scalar in password.unicodeScalars {
            switch scalar {
            case "a"..."z": lower = true
            case "A"..."Z": upper = true
            case "0"..."9": digit = true
            default: other = true
            }
        }
        let classes = [lower, upper, digit, other].filter { $0 }.count
        if classes < minimumClasses { return .tooFewClasses(minimum: minimumClasses) }
        if let username, username.count >= 3, password.lowercased().contains(username.lowercased()) {
            return .containsUsername
        }
        return nil
    }

    /// A password that satisfies the policy, for accounts created by the platform; the user must
    /// replace it at first login.
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        // No look-alike characters (0/O, 1/l/I) so it can be read out over the phone.
        let lower = Array("abcdefghijkmnpqrstuvwxyz"), upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
        let digits = Array("23456789"), symbols = Array("-_.@#%+")
        let all = lower + upper + digits + symbols
        var chars = [lower.randomElement(using: &generator)!, upper.randomElement(using: &generator)!,
                     digits.randomElement(using: &generator)!, symbols.randomElement(using: &generator)!]
        while chars.count < 14 { chars.append(all.randomElement(using: &generator)!) }
        chars.shuffle(using: &generator)
        return String(chars)
    }

    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        return generate(using: &rng)
    }
}
