/** @odoo-module **/

/*
 * What the tours share with the Python tests that play them
 * (sales_followup/tests/tour_common.py).
 */

// The test hooks the browser: it defines this flag on every page, captures the screen when
// it reads the marker in the console, then dispatches the event so that the tour goes on.
const SCREENSHOT_FLAG = "salesFollowupScreenshots";
const SCREENSHOT_MARKER = "sales_followup:screenshot:";
const SCREENSHOT_EVENT = "sales_followup:screenshot-taken";
// The test also says what the tour runner of its Odoo series wants on a step that loads a new
// page (compat.TOUR_STEP_LEAVING_PAGE).
const LEAVING_PAGE_KEYS = "salesFollowupLeavingPage";

/**
 * A step that waits for `trigger`, scrolls it into view and has the test capture the screen.
 */
export function screenshot(name, trigger) {
    return {
        content: `Screenshot ${name}`,
        trigger,
        async run() {
            this.anchor.scrollIntoView({ block: "center" });
            if (!window[SCREENSHOT_FLAG]) {
                return;
            }
            const taken = new Promise((resolve) => {
                const onTaken = (ev) => {
                    if (ev.detail === name) {
                        document.removeEventListener(SCREENSHOT_EVENT, onTaken);
                        resolve();
                    }
                };
                document.addEventListener(SCREENSHOT_EVENT, onTaken);
            });
            console.log(`${SCREENSHOT_MARKER}${name}`);
            await taken;
        },
    };
}

/**
 * Throws unless each element is a touch target: 44 px wide and tall at least.
 */
export function checkTouchTargets(elements) {
    for (const element of elements) {
        const { width, height } = element.getBoundingClientRect();
        if (width < 44 || height < 44) {
            throw new Error(`${element.className}: ${width}x${height} px`);
        }
    }
}

/**
 * `step`, whose action loads a new page, as the tour runner wants it.
 */
export function leavingPage(step) {
    return { ...step, ...window[LEAVING_PAGE_KEYS] };
}
