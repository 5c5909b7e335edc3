import PatrolCore

/// Why the gateway refused a request or tunnel (SPEC §6). The code is recorded and sent in the
/// `X-Patrol-Refusal` header; the text is the 403 body a tester reads in Burp or curl.
public enum Refusal: String, Sendable, Error, CaseIterable {
    case authenticationRequired = "auth_required"
    case badCredentials = "bad_credentials"
    case notInScope = "not_in_scope"
    case specialAddress = "special_address"
    case unresolved = "unresolved"
    case windowClosed = "window_closed"
    case teamSuspended = "team_suspended"
    case rateLimited = "rate_limited"
    case badRequest = "bad_request"
    /// The target's name holds what no DNS name can (control bytes, spaces, `%`, …).
    case badName = "bad_name"
    /// The Host header names another site than the checked target: a CDN or virtual host would
    /// route on it, so the request would reach a site the scope never checked.
    case hostMismatch = "host_mismatch"
    /// The target is Patrol itself: its web server, its gateway or its database.
    case patrolItself = "patrol_itself"
    case unsupported = "unsupported"

    public var status: Int {
        switch self {
        case .authenticationRequired, .badCredentials: 407
        case .badRequest, .badName: 400
        case .unsupported: 501
        default: 403
        }
    }

    /// Whether the attempt is itself an alert for the organiser (out-of-scope attempts, rate excess).
    public var alert: String? {
        switch self {
        case .notInScope, .specialAddress, .badName, .hostMismatch, .patrolItself: "out_of_scope"
        case .rateLimited: "rate_limit"
        default: nil
        }
    }

    public var message: String {
        switch self {
        case .authenticationRequired: "需要网关认证：用户名为平台账号，密码为网关令牌。 / Proxy authentication required: your username and gateway token."
        case .badCredentials: "网关账号或令牌不正确，或账号已停用。 / Wrong username or gateway token, or the account is disabled."
        case .notInScope: "目标不在本次行动的授权范围内。 / The target is not in the campaign's scope."
        case .specialAddress: "目标解析到内网、本机或云元数据地址，未经资产登记不得访问。 / The target resolves to a private, loopback or cloud metadata address that no asset names."
        case .unresolved: "目标域名无法解析。 / The target's name does not resolve."
        case .windowClosed: "不在检测时间窗口内。 / The testing window is closed."
        case .teamSuspended: "本检测队已被暂停。 / Your team is suspended."
        case .rateLimited: "请求过快，超过本队的速率限制。 / Too many requests: your team's rate limit is exceeded."
        case .badRequest: "请求无法解析：请把本端口配置为 HTTP 代理。 / The request could not be understood: configure this port as an HTTP proxy."
        case .badName: "目标主机名含有域名中不允许的字符。 / The target's host name holds characters no DNS name may contain."
        case .hostMismatch: "Host 请求头与请求的目标不一致：只能访问经过检查的目标。 / The Host header names another site than the request's target: only the checked target may be reached."
        case .patrolItself: "不得通过网关访问 Patrol 平台自身（网站、网关或数据库）。 / Patrol itself (its web server, gateway or database) cannot be reached through the gateway."
        case .unsupported: "网关只转发 http:// 请求和 CONNECT 隧道（HTTPS 请走 CONNECT，即把本端口也设为 HTTPS 代理），不支持其他协议。 / The gateway forwards http:// requests and CONNECT tunnels (send HTTPS through CONNECT: use this port as your HTTPS proxy too); other schemes are not supported."
        }
    }
}
