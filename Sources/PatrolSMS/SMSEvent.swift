/// Every SMS Patrol sends (SPEC §4), each with its text and its template's parameters written here
/// once, for the finding lifecycle, the reminders and the admin's SMS page alike.
public enum SMSEvent: Sendable, Equatable {
    /// Findings notified to a unit: how many, under which notice, and the first remediation deadline as the unit reads it.
    case notice(unit: String, notice: String, findings: Int, deadline: String)
    /// A remediation mark (`hours` after the notice) coming up at `deadline` for a finding still without its report.
    case reminder(unit: String, notice: String, finding: String, hours: Int, deadline: String)
    /// A finding's remediation failed its retest and goes back to the unit.
    case returned(unit: String, notice: String, finding: String)
    /// Before a campaign starts, a unit that has declared no asset (or only rejected ones) is asked to.
    case declaration(unit: String, campaign: String, deadline: String)
    /// The admin checks that the channel works.
    case test

    /// The outbox's `event`.
    public var name: String {
        switch self {
        case .notice: "notice"
        case .reminder: "reminder"
        case .returned: "returned"
        case .declaration: "declaration"
        case .test: "test"
        }
    }

    /// The test goes out through the notice template: providers send only approved templates,
    /// and the notice's is the one every configured account has.
    public var template: SMSTemplate {
        switch self {
        case .notice, .test: .notice
        case .reminder: .reminder
        case .returned: .returned
        case .declaration: .declaration
        }
    }

    public var text: String {
        switch self {
        case .notice(let unit, let notice, let findings, let deadline):
            "【网络安全检查】\(unit)：您单位有\(findings)个网络安全问题已通报（\(notice)），请于\(deadline)前完成整改，并登录平台提交整改报告。"
        case .reminder(let unit, let notice, let finding, let hours, let deadline):
            "【网络安全检查】\(unit)：通报\(notice)中的问题\(finding)将于\(deadline)到达\(hours)小时整改时限，请尽快完成整改并在平台提交整改报告。"
        case .returned(let unit, let notice, let finding):
            "【网络安全检查】\(unit)：问题\(finding)（通报\(notice)）的整改复测未通过，已退回，请登录平台查看复测意见并重新整改。"
        case .declaration(let unit, let campaign, let deadline):
            "【网络安全检查】\(unit)：\(campaign)将于\(deadline)开始检测，您单位尚未完成互联网资产报送，请登录平台报送或更正。"
        case .test:
            "【网络安全检查】这是一条测试短信，用于确认短信通道可用。"
        }
    }

    /// The template's parameters by name. The reminder's template names no finding: the unit finds it under the notice.
    public var params: [String: String] {
        switch self {
        case .notice(let unit, let notice, let findings, let deadline):
            ["unit": unit, "notice": notice, "count": String(findings), "deadline": deadline]
        case .reminder(let unit, let notice, _, let hours, let deadline):
            ["unit": unit, "notice": notice, "hours": String(hours), "deadline": deadline]
        case .returned(let unit, let notice, let finding):
            ["unit": unit, "notice": notice, "finding": finding]
        case .declaration(let unit, let campaign, let deadline):
            ["unit": unit, "campaign": campaign, "deadline": deadline]
        case .test:
            ["unit": "测试单位", "notice": "TEST-000", "count": "0", "deadline": "—"]
        }
    }

    /// The parameters in the order Tencent templates take them.
    public var positionalParams: [String] { template.positional(params) }

    /// What the admin's SMS page shows each template's message as, with the demo campaign's values.
    public static let samples: [SMSEvent] = [
        .notice(unit: "溧阳市", notice: "CZ2022-D01-003", findings: 3, deadline: "2022-05-17 12:00"),
        .reminder(unit: "溧阳市", notice: "CZ2022-D01-003", finding: "F0012", hours: 48, deadline: "5月18日12:00"),
        .returned(unit: "溧阳市", notice: "CZ2022-D01-003", finding: "F0012"),
        .declaration(unit: "溧阳市", campaign: "网安2022常州行动", deadline: "5月16日00:00"),
    ]
}
