/// The office that runs a campaign and signs its documents (issue 19; GB/T 9704 as the model for
/// the notices of issue 21): who issues, whom a unit calls, the red header of a notice and the
/// prefix of its document number (`常网办通` gives `常网办通〔2022〕3号`).
public struct CampaignOffice: Codable, Sendable, Equatable {
    /// The issuing office, e.g. `中共常州市委网络安全和信息化委员会办公室`.
    public var name: String?
    public var contactName: String?
    /// The contact's phone: a landline or a mobile, as printed on a notice.
    public var contactPhone: String?
    /// The red header line of a notice, e.g. `"网安2022"常州行动 工作通报`.
    public var noticeHeader: String?
    /// The document number's prefix, e.g. `常网办通`.
    public var noticePrefix: String?

    public init(name: String? = nil, contactName: String? = nil, contactPhone: String? = nil,
                noticeHeader: String? = nil, noticePrefix: String? = nil) {
        self.name = name; self.contactName = contactName; self.contactPhone = contactPhone
        self.noticeHeader = noticeHeader; self.noticePrefix = noticePrefix
    }

    public var isEmpty: Bool { self == CampaignOffice() }

    /// Whether `phone` can be printed as a number to call: digits with at most the separators
    /// people write (`0519-85681234`, `+86 138 0000 0000`, `(0519)85681234`, an extension after `转`).
    public static func isDialable(_ phone: String) -> Bool {
        let digits = phone.filter(\.isASCII).filter(\.isNumber)
        let allowed = Set("0123456789+-() 转")
        return (5...20).contains(digits.count) && phone.allSatisfy { allowed.contains($0) }
    }
}
