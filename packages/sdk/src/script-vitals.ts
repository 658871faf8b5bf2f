// Script-tag build with Core Web Vitals (dist/omnitrail.vitals.min.js).
import { boot } from './boot';
import { idbQueue } from './queue';
import { trackVitals } from './vitals';

boot(idbQueue, trackVitals);
