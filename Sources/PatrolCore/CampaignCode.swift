/// The rule for a campaign's code, one home for the bundle check and the set-up form: it names the
/// campaign in every path (`/campaigns/CZ2022`) and in gateway user names, so it is kept short and
/// to characters that need no escaping.
public enum CampaignCode {
    public static let maxLength = 32

    public static func isValid(_ code: String) -> Bool {
        !code.isEmpty && code.count <= maxLength
            && code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
