import { COMMON_SETTINGS, loadSettings, SettingsError, setting } from "./settings.js";

describe("settings", () => {
  it("reads defaults and overrides", () => {
    const s = loadSettings(
      { ...COMMON_SETTINGS, PORT: setting.port(8081), CATALOG_URL: setting.url() },
      { CATALOG_URL: "http://catalog:8081/" },
    );
    expect(s.PORT).toBe(8081);
    expect(s.CATALOG_URL).toBe("http://catalog:8081");
    expect(s.FAULT_ERROR_RATE).toBe(0);
    expect(s.FAULT_SEED).toBeUndefined();
  });

  it("reads an object reference as its namespace and name", () => {
    expect(loadSettings({ A: setting.objectRef() }, { A: "argocd/shop" }).A).toEqual({
      namespace: "argocd",
      name: "shop",
    });
  });

  it.each([
    [{ PORT: setting.port() }, {}, "PORT is not set; it must be a TCP port from 1 to 65535"],
    [{ PORT: setting.port() }, { PORT: "http" }, 'PORT is "http" but must be a TCP port from 1 to 65535'],
    [{ U: setting.url() }, { U: "ftp://x" }, 'U is "ftp://x" but must be an http:// or https:// URL'],
    [{ U: setting.url() }, { U: "not a url" }, 'U is "not a url" but must be an http:// or https:// URL'],
    [{ R: setting.number(0, 0, 1) }, { R: "1.5" }, 'R is "1.5" but must be a number from 0 to 1'],
    [{ L: setting.oneOf(["a", "b"]) }, { L: "c" }, 'L is "c" but must be one of a, b'],
    [
      { A: setting.objectRef() },
      { A: "shop" },
      'A is "shop" but must be namespace/name, such as argocd/shop',
    ],
    [{ A: setting.objectRef() }, { A: "Argo/shop" }, 'A is "Argo/shop" but must be namespace/name'],
  ])("rejects %j with %j in one clear line", (spec, env, message) => {
    expect(() => loadSettings(spec as Record<string, ReturnType<typeof setting.text>>, env)).toThrow(
      SettingsError,
    );
    expect(() => loadSettings(spec as Record<string, ReturnType<typeof setting.text>>, env)).toThrow(message);
  });
});
