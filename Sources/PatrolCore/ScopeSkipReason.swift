/// Why the scope compiler could not turn an asset into a rule. The gateway shows these to the
/// organiser, so an asset that is silently unenforceable cannot go unnoticed.
enum ScopeSkipReason: Error, Equatable {
    case badURL, badHost, badIP, badCIDR, badPorts, freeText

    var message: String {
        switch self {
        case .badURL: "网址中没有可识别的主机 / the URL has no host the gateway can match"
        case .badHost: "不是有效的域名 / not a valid host name"
        case .badIP: "不是有效的 IP 地址 / not a valid IP address"
        case .badCIDR: "不是有效的网段 / not a valid CIDR block"
        case .badPorts: "端口列表无效 / the port list is not valid"
        case .freeText: "自由文本无法执行，请填写网址、域名、IP 或网段 / free text cannot be enforced; give a URL, host name, IP or CIDR block"
        }
    }
}
