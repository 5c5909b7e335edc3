/// A message template as the admin has it approved at the provider (README, SMS templates): its
/// name is the key of its id in the settings, its parameters are what the template may use.
public enum SMSTemplate: String, Sendable, CaseIterable {
    case notice, reminder, returned, declaration

    /// The parameters by name (Alibaba's `${unit}` …), in the order Tencent numbers them (`{1}` …).
    public var parameterNames: [String] {
        switch self {
        case .notice: ["unit", "notice", "count", "deadline"]
        case .reminder: ["unit", "notice", "hours", "deadline"]
        case .returned: ["unit", "notice", "finding"]
        case .declaration: ["unit", "campaign", "deadline"]
        }
    }

    /// `params` in that order; a parameter the message lacks goes empty.
    public func positional(_ params: [String: String]) -> [String] { parameterNames.map { params[$0] ?? "" } }
}
