/// The vulnerability types a tester picks from (SPEC §3); stored and shown by their Chinese name,
/// as the bundles of earlier campaigns do. The API accepts the key or the name.
public enum FindingType: String, Sendable, CaseIterable, Codable {
    case weakPassword, sqlInjection, commandExecution, unauthorizedAccess, informationLeak, fileUpload,
         webshell, privilegeEscalation, xss, ssrf, pathTraversal, other

    public var name: String {
        switch self {
        case .weakPassword: "弱口令"
        case .sqlInjection: "SQL注入"
        case .commandExecution: "命令执行"
        case .unauthorizedAccess: "未授权访问"
        case .informationLeak: "信息泄露"
        case .fileUpload: "任意文件上传"
        case .webshell: "webshell"
        case .privilegeEscalation: "越权"
        case .xss: "XSS"
        case .ssrf: "SSRF"
        case .pathTraversal: "目录遍历"
        case .other: "其他"
        }
    }

    /// By key (`sqlInjection`) or by name (`SQL注入`).
    public init?(keyOrName text: String) {
        if let t = FindingType(rawValue: text) { self = t; return }
        guard let t = FindingType.allCases.first(where: { $0.name == text }) else { return nil }
        self = t
    }
}
