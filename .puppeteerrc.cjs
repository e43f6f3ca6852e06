// Ace by DAISY drives a browser through Puppeteer: never download one, use Debian's chromium
// (scripts/system-check requires it; PUPPETEER_EXECUTABLE_PATH may name another).
module.exports = {
  skipDownload: true,
  executablePath: process.env.PUPPETEER_EXECUTABLE_PATH || "/usr/bin/chromium",
};
