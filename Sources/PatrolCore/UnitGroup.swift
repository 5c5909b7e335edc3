/// The ranking group of a unit (SPEC §2): 辖市区, 行业主管监管部门, 非行业主管监管部门.
public enum UnitGroup: String, Codable, Sendable, CaseIterable {
    case district, regulator, department
}
